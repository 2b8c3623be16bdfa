// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Tasks run by a fixed number of workers (see task_pool.hpp).
#include "task_pool.hpp"

namespace cv {
namespace interp {

void TaskPool::add(Task task)
{
    CV_Assert(task);
    {
        std::lock_guard<std::mutex> lock(mutex);
        queue.push_back(std::move(task));
    }
    changed.notify_one();
}

void TaskPool::work(int worker)
{
    std::unique_lock<std::mutex> lock(mutex);
    for (;;)
    {
        // wait while every queued task is taken but some running task may still queue more
        changed.wait(lock, [this]() { return error || !queue.empty() || running == 0; });
        if (error || queue.empty())
            return;
        Task task = std::move(queue.front());
        queue.pop_front();
        running++;
        lock.unlock();
        std::exception_ptr failed;
        try
        {
            task(worker);
        }
        catch (...)  // nothing may leave a parallel region: kept for run()
        {
            failed = std::current_exception();
        }
        lock.lock();
        running--;
        if (failed && !error)
            error = failed;
        changed.notify_all();
    }
}

void TaskPool::run(int workers)
{
    CV_CheckGT(workers, 0, "TaskPool::run needs at least one worker");
    {
        std::lock_guard<std::mutex> lock(mutex);
        error = std::exception_ptr();
    }
    // Stripes the backend runs one after the other on one thread are fine: the first drains the queue.
    cv::parallel_for_(Range(0, workers), [this](const Range& r) {
        for (int w = r.start; w < r.end; w++)
            work(w);
    }, workers);
    std::exception_ptr failed;
    {
        std::lock_guard<std::mutex> lock(mutex);
        failed = error;
        error = std::exception_ptr();
        queue.clear();
    }
    if (failed)
        std::rethrow_exception(failed);
}

}  // namespace interp
}  // namespace cv
