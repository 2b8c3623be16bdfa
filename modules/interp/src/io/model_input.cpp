// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// modelInputShape(): the input shape a model file fixes. ONNX graphs are read directly (cv::dnn 4.6 does not record
// an ONNX input shape anywhere public): a minimal protobuf walk over ModelProto.graph.input that seeks over
// everything else, so large weight files are not read. Other formats ask cv::dnn for the input layer's shape.
#include "../precomp.hpp"

#include <fstream>
#include <set>

namespace cv {
namespace interp {

namespace {

//! Reads protobuf fields of one message, in a byte range of a file, seeking over the payloads it is not asked for.
class ProtoFile
{
public:
    explicit ProtoFile(const String& path) : f(path.c_str(), std::ios::binary), path_(path)
    {
        if (!f)
            CV_Error(Error::StsError, "cannot read the model file '" + path + "': missing or unreadable");
        f.seekg(0, std::ios::end);
        size_ = (uint64)f.tellg();
        f.seekg(0);
    }
    uint64 size() const { return size_; }

    //! One field of a message: number, wire type, and either the varint value or the payload's byte range.
    struct Field
    {
        int number = 0, wire = 0;
        uint64 value = 0, begin = 0, end = 0;
    };

    //! The next field starting at `pos` (advanced past it), or false at `end`.
    bool next(uint64& pos, uint64 end, Field& out)
    {
        if (pos >= end)
            return false;
        f.seekg((std::streamoff)pos);
        const uint64 key = varint(end);
        out.number = (int)(key >> 3);
        out.wire = (int)(key & 7);
        switch (out.wire)
        {
        case 0: out.value = varint(end); break;
        case 1: f.seekg(8, std::ios::cur); break;
        case 5: f.seekg(4, std::ios::cur); break;
        case 2:
        {
            const uint64 len = varint(end);
            out.begin = (uint64)f.tellg();
            out.end = out.begin + len;
            if (out.end > end)
                corrupt();
            f.seekg((std::streamoff)out.end);
            break;
        }
        default: corrupt();
        }
        if (!f)
            corrupt();
        pos = (uint64)f.tellg();
        if (pos > end)
            corrupt();
        return true;
    }

    String bytes(const Field& fl)
    {
        String s((size_t)(fl.end - fl.begin), '\0');
        f.seekg((std::streamoff)fl.begin);
        f.read(&s[0], (std::streamsize)s.size());
        if (!f)
            corrupt();
        return s;
    }

private:
    uint64 varint(uint64 end)
    {
        uint64 v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if ((uint64)f.tellg() >= end)
                corrupt();
            const int c = f.get();
            if (c < 0)
                corrupt();
            v |= (uint64)(c & 0x7f) << shift;
            if (!(c & 0x80))
                return v;
        }
        corrupt();
        return 0;
    }
    [[noreturn]] void corrupt()
    {
        CV_Error(Error::StsParseError, "'" + path_ + "' is not a valid ONNX model (truncated or not protobuf): "
                                       "export it again, or check the file name");
    }

    std::ifstream f;
    String path_;
    uint64 size_ = 0;
};

/** Shape of the first graph input that is not an initializer; dimensions without a fixed value (symbolic or
absent) are -1. Empty when the graph has no such input. */
std::vector<int> onnxInputShape(const String& path)
{
    ProtoFile pf(path);
    ProtoFile::Field fl;
    uint64 pos = 0, gBegin = 0, gEnd = 0;
    while (pf.next(pos, pf.size(), fl))
        if (fl.number == 7 && fl.wire == 2)  // ModelProto.graph
        {
            gBegin = fl.begin;
            gEnd = fl.end;
        }
    if (gEnd == 0)
        CV_Error(Error::StsParseError, "'" + path + "' holds no ONNX graph: is it an ONNX model?");
    std::set<String> initializers;
    std::vector<std::pair<uint64, uint64> > inputs;
    pos = gBegin;
    while (pf.next(pos, gEnd, fl))
    {
        if (fl.number == 5 && fl.wire == 2)  // GraphProto.initializer: TensorProto, name = 8
        {
            ProtoFile::Field t;
            uint64 p = fl.begin;
            while (pf.next(p, fl.end, t))
                if (t.number == 8 && t.wire == 2)
                    initializers.insert(pf.bytes(t));
        }
        else if (fl.number == 11 && fl.wire == 2)  // GraphProto.input: ValueInfoProto
            inputs.push_back(std::make_pair(fl.begin, fl.end));
    }
    for (const auto& in : inputs)
    {
        String name;
        std::vector<int> dims;
        ProtoFile::Field v;
        uint64 p = in.first;
        while (pf.next(p, in.second, v))
        {
            if (v.number == 1 && v.wire == 2)
                name = pf.bytes(v);
            // ValueInfoProto.type (2) -> TypeProto.tensor_type (1) -> shape (2) -> dim (1) -> dim_value (1)
            const int route[] = { 2, 1, 2 };
            if (v.number != route[0] || v.wire != 2)
                continue;
            uint64 b = v.begin, e = v.end;
            bool found = true;
            for (int level = 1; level < 3 && found; level++)
            {
                found = false;
                ProtoFile::Field s;
                uint64 q = b;
                while (pf.next(q, e, s))
                    if (s.number == route[level] && s.wire == 2)
                    {
                        b = s.begin;
                        e = s.end;
                        found = true;
                        break;
                    }
            }
            if (!found)
                continue;
            ProtoFile::Field d;
            uint64 q = b;
            while (pf.next(q, e, d))
            {
                if (d.number != 1 || d.wire != 2)
                    continue;
                int value = -1;
                ProtoFile::Field dv;
                uint64 r = d.begin;
                while (pf.next(r, d.end, dv))
                    if (dv.number == 1 && dv.wire == 0 && (int64)dv.value > 0)
                        value = (int)dv.value;
                dims.push_back(value);
            }
        }
        if (!initializers.count(name))
            return dims;
    }
    return std::vector<int>();
}

bool endsWith(const String& s, const String& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<int> modelInputShape(const String& model, const String& config)
{
    std::vector<int> shape;
    if (endsWith(model, ".onnx"))
        shape = onnxInputShape(model);
    else
    {
        dnn::Net net;
        try
        {
            // A Caffe prototxt alone describes the input; other formats need their model file.
            net = endsWith(model, ".caffemodel") && !config.empty() ? dnn::readNetFromCaffe(config)
                                                                      : dnn::readNet(model, config);
        }
        catch (const cv::Exception& e)
        {
            CV_Error(Error::StsError, "cannot read the model '" + model + "'" +
                                      (config.empty() ? String() : " with configuration '" + config + "'") + ": " + e.err);
        }
        std::vector<MatShape> in, out;
        try
        {
            net.getLayerShapes(MatShape(), 0, in, out);
        }
        catch (const cv::Exception&)
        {
            out.clear();  // no recorded input shape
        }
        if (!out.empty())
            shape = out[0];
    }
    if (!shape.empty() && shape[0] <= 0)
        shape[0] = 1;  // a symbolic batch size does not matter
    for (size_t i = 1; i < shape.size(); i++)
        if (shape[i] <= 0)
            return std::vector<int>();
    return shape;
}

}  // namespace interp
}  // namespace cv
