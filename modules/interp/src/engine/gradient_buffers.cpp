// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// A cv::MatAllocator that keeps released gradient buffers for the next backward pass (see gradient_buffers.hpp).
#include "gradient_buffers.hpp"

#include <map>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define INTERP_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define INTERP_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define INTERP_POISON(p, n) ((void)(p), (void)(n))
#define INTERP_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace cv {
namespace interp {

namespace {

const size_t kSmallest = 64 << 10;   // smaller blocks: plain fastMalloc
const size_t kLimit = 256u << 20;    // bytes kept between uses
const size_t kAutoStep = 0x7fffffff;  // cv::Mat's "compute the step" marker (CV_AUTOSTEP in OpenCV's matrix.cpp)

class RecyclingAllocator CV_FINAL : public MatAllocator
{
public:
    UMatData* allocate(int dims, const int* sizes, int type, void* data0, size_t* step, AccessFlag,
                       UMatUsageFlags) const CV_OVERRIDE
    {
        size_t total = CV_ELEM_SIZE(type);
        for (int i = dims - 1; i >= 0; i--)
        {
            if (step)
            {
                if (data0 && step[i] != kAutoStep)
                {
                    CV_Assert(total <= step[i]);
                    total = step[i];
                }
                else
                    step[i] = total;
            }
            total *= sizes[i];
        }
        uchar* data = (uchar*)data0;
        if (!data)
            data = take(total);
        UMatData* u = new UMatData(this);
        u->data = u->origdata = data;
        u->size = total;
        if (data0)
            u->flags |= UMatData::USER_ALLOCATED;
        return u;
    }

    bool allocate(UMatData* u, AccessFlag, UMatUsageFlags) const CV_OVERRIDE { return u != nullptr; }

    void deallocate(UMatData* u) const CV_OVERRIDE
    {
        if (!u)
            return;
        CV_Assert(u->urefcount == 0 && u->refcount == 0);
        if (!(u->flags & UMatData::USER_ALLOCATED))
            give(u->origdata, u->size);
        u->origdata = 0;
        delete u;
    }

private:
    struct Block
    {
        uchar* data;
        uint64 stamp;  // when it was cached: the oldest blocks go first when the cache is full
    };

    uchar* take(size_t size) const
    {
        if (size >= kSmallest)
        {
            std::lock_guard<std::mutex> lock(mutex);
            auto it = cache.find(size);
            if (it != cache.end())
            {
                uchar* p = it->second.data;
                ages.erase(it->second.stamp);
                cache.erase(it);
                bytes -= size;
                INTERP_UNPOISON(p, size);
                return p;
            }
        }
        return (uchar*)fastMalloc(size);
    }

    void give(uchar* p, size_t size) const
    {
        if (size >= kSmallest && size <= kLimit)
        {
            std::lock_guard<std::mutex> lock(mutex);
            // Least recently cached blocks make room: sizes of an earlier network or batch size must not keep
            // out those of the current one
            while (bytes + size > kLimit)
            {
                const auto oldest = ages.begin();
                const auto range = cache.equal_range(oldest->second);
                auto it = range.first;
                while (it != range.second && it->second.stamp != oldest->first)
                    ++it;
                CV_Assert(it != range.second);
                INTERP_UNPOISON(it->second.data, it->first);
                fastFree(it->second.data);
                bytes -= it->first;
                cache.erase(it);
                ages.erase(oldest);
            }
            INTERP_POISON(p, size);
            cache.emplace(size, Block{ p, clock });
            ages.emplace(clock++, size);
            bytes += size;
            return;
        }
        fastFree(p);
    }

    mutable std::mutex mutex;
    mutable std::multimap<size_t, Block> cache;  // byte size -> block
    mutable std::map<uint64, size_t> ages;        // stamp -> byte size, oldest first
    mutable uint64 clock = 0;
    mutable size_t bytes = 0;
};

// Never destroyed: Mats handed to the caller may outlive every static of the module. The cached blocks stay reachable
// from it, so leak checkers do not report them.
RecyclingAllocator& recycling()
{
    static RecyclingAllocator* a = new RecyclingAllocator();
    return *a;
}

//! An uninitialised Mat whose memory comes from, and goes back to, the cache.
Mat reusedMat(int dims, const int* sizes, int type)
{
    Mat m;
    m.allocator = &recycling();
    m.create(dims, sizes, type);
    return m;
}

}  // namespace

Mat newGradient(int dims, const int* sizes) { return reusedMat(dims, sizes, CV_32F); }

Mat zeroGradient(int dims, const int* sizes)
{
    Mat m = newGradient(dims, sizes);
    m.setTo(Scalar::all(0));
    return m;
}

Mat reusedCopy(const Mat& m)
{
    Mat c = reusedMat(m.dims, m.size.p, m.type());
    m.copyTo(c);
    return c;
}

Mat newScratch(size_t bytes)
{
    const int sz[] = { (int)std::max<size_t>(bytes, 1) };
    CV_Assert((size_t)sz[0] == std::max<size_t>(bytes, 1));
    return reusedMat(1, sz, CV_8U);
}

}  // namespace interp
}  // namespace cv
