// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// A queue of tasks run by a fixed number of workers, each on one thread (internal).
#ifndef OPENCV_INTERP_TASK_POOL_HPP
#define OPENCV_INTERP_TASK_POOL_HPP

#include "../precomp.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>

namespace cv {
namespace interp {

/* Tasks taken first in, first out by `workers` stripes of one cv::parallel_for_. Inside a task, cv::parallel_for_,
   cv::dnn and oneDNN run on the task's thread only (OpenCV runs nested parallel loops serially, oneDNN does not nest
   OpenMP regions), so the workers are the parallelism: small tasks of a small network keep every core busy where one
   network split over all cores waits for its slowest thread between layers. A task may queue more tasks; run()
   returns once none is queued or running. The first exception a task raises stops the workers taking new tasks and
   is raised again by run(), after the running ones have finished. */
class TaskPool
{
public:
    //! Gets the index of the worker running it, 0 .. workers - 1: what it may use exclusively (a network copy).
    typedef std::function<void(int worker)> Task;

    //! Queues a task (from any thread, including a running task).
    void add(Task task);
    //! Runs the queued tasks and the ones they add on `workers` workers; re-raises the first task's exception.
    void run(int workers);

private:
    void work(int worker);

    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Task> queue;
    int running = 0;
    std::exception_ptr error;
};

}  // namespace interp
}  // namespace cv

#endif
