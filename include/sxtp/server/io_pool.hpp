// sxtp/server/io_pool.hpp — N threads for a server: one io_context per
// thread (the "io_context per core" model), each run by its own thread.
//
//   sxtp::io_pool pool(2);                      // two threads
//   sxtp::server srv(pool.executors());         // the first accepts; connections alternate
//   srv.handle<get_item>(…);
//   srv.listen("sxtp://0.0.0.0:7000");
//   pool.start();
//   …
//   boost::asio::post(pool.executors()[0], [&] { srv.shutdown(1s, [&] { pool.stop(); }); });
//   pool.join();
//
// Why not one io_context run by N threads: a connection's state (its wire
// state machine, its calls, its streams) would then need a strand and every
// hop would pay for it. With a context per thread a connection never changes
// thread, so nothing on the request path takes a lock.
#ifndef SXTP_SERVER_IO_POOL_HPP
#define SXTP_SERVER_IO_POOL_HPP

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <deque>
#include <stdexcept>
#include <thread>
#include <vector>

namespace sxtp {

/// `threads` io_contexts (each told it runs on one thread), started and
/// stopped together. Not copyable or movable; the destructor stops and joins.
class io_pool {
public:
    /// Throws std::invalid_argument for zero threads.
    explicit io_pool(std::size_t threads) {
        if (threads == 0) throw std::invalid_argument("sxtp: an io_pool needs at least one thread");
        for (std::size_t i = 0; i < threads; ++i) {
            contexts_.emplace_back(1);
            guards_.emplace_back(contexts_.back().get_executor());
        }
    }
    io_pool(const io_pool&) = delete;
    io_pool& operator=(const io_pool&) = delete;
    ~io_pool() {
        stop();
        join();
    }

    std::size_t size() const noexcept { return contexts_.size(); }
    boost::asio::io_context& context(std::size_t i) { return contexts_.at(i); }
    /// One executor per context, in order: what sxtp::server's constructor takes.
    std::vector<boost::asio::any_io_executor> executors() {
        std::vector<boost::asio::any_io_executor> out;
        for (auto& c : contexts_) out.emplace_back(c.get_executor());
        return out;
    }

    /// Starts one thread per context. The contexts keep running while idle
    /// until stop() (or release(), once their work is done).
    void start() {
        if (!threads_.empty()) return;
        for (auto& c : contexts_) threads_.emplace_back([&c] { c.run(); });
    }
    /// Lets each context's run end when it has no more work.
    void release() {
        for (auto& g : guards_) g.reset();
    }
    /// Stops every context at once (handlers not yet run are not run).
    void stop() {
        release();
        for (auto& c : contexts_) c.stop();
    }
    /// Waits for the threads started by start().
    void join() {
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        threads_.clear();
    }

private:
    std::deque<boost::asio::io_context> contexts_;
    std::deque<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
    std::vector<std::thread> threads_;
};

} // namespace sxtp

#endif
