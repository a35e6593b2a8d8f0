// sxtp/server/blocking.hpp — blocking work off the I/O threads.
//
// A handler must not block its connection's thread: every other connection
// on that thread would wait. Give blocking work (a synchronous database
// driver, a file system walk, a CPU-heavy transform) to a blocking_pool:
//
//   sxtp::blocking_pool pool(4);   // four threads; destroyed before the io_contexts
//   srv.handle<report>([&](const report_params& p) -> boost::asio::awaitable<report_result> {
//       co_return co_await pool.run([p](std::stop_token stop) { return build_report(p, stop); });
//   });
//
// run() posts the function to the pool and suspends the handler; the
// result (or the exception the function threw) comes back on the
// handler's own executor, so the handler goes on where it was. When the
// call is cancelled — the client's cancel, the request's `:timeout-ms`, a
// broken connection, a shutdown's drain — the function's std::stop_token
// is asked to stop (a function that takes one can return early); run()
// still waits for the function to return, so whatever the function
// borrowed from the handler stays alive. A function without a stop_token
// parameter runs to its end.
//
// Lifetimes: a function in the pool keeps the handler's io_context busy
// (its run() does not return) until it has returned; destroy the pool
// before the io_contexts it answers to (declare it after them), so that
// its destructor waits for the functions while their io_contexts exist.
// A function's result type must be default-constructible (when it throws,
// Asio's signature still needs a value beside the exception).
#ifndef SXTP_SERVER_BLOCKING_HPP
#define SXTP_SERVER_BLOCKING_HPP

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

namespace sxtp {

class blocking_pool {
public:
    /// A pool of `threads` threads (at least one).
    explicit blocking_pool(std::size_t threads) : pool_(threads == 0 ? 1 : threads) {}
    blocking_pool(const blocking_pool&) = delete;
    blocking_pool& operator=(const blocking_pool&) = delete;
    /// Waits for the functions running and queued.
    ~blocking_pool() { pool_.join(); }

    /// Runs `f()` — or `f(stop_token)` — on the pool and resumes the
    /// awaiting coroutine on its executor with its result; rethrows what f
    /// threw. The awaiting coroutine's cancellation asks f's stop_token to stop.
    template <class F>
    auto run(F f) {
        using R = result_of<F>;
        if constexpr (std::is_void_v<R>)
            return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr)>(
                initiation<F>{this}, boost::asio::use_awaitable, std::move(f));
        else
            return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(
                initiation<F>{this}, boost::asio::use_awaitable, std::move(f));
    }

    /// Threads of the pool, for code that posts to it itself.
    boost::asio::thread_pool::executor_type executor() noexcept { return pool_.get_executor(); }

private:
    template <class F>
    static constexpr bool takes_token = std::is_invocable_v<F&, std::stop_token>;
    template <class F>
    using result_of = typename std::conditional_t<takes_token<F>, std::invoke_result<F&, std::stop_token>, std::invoke_result<F&>>::type;

    template <class F>
    struct initiation {
        blocking_pool* self;

        template <class Handler>
        void operator()(Handler handler, F f) const {
            using R = result_of<F>;
            static_assert(std::is_void_v<R> || std::is_default_constructible_v<R>,
                          "sxtp::blocking_pool::run: the function's result type must be default-constructible");
            auto stop = std::make_shared<std::stop_source>();
            auto slot = boost::asio::get_associated_cancellation_slot(handler);
            if (slot.is_connected()) slot.assign([stop](boost::asio::cancellation_type) { stop->request_stop(); });
            auto home = boost::asio::get_associated_executor(handler);
            auto work = boost::asio::make_work_guard(home);  // the handler's executor stays alive meanwhile
            boost::asio::post(self->pool_, [stop, f = std::move(f), h = std::move(handler), work = std::move(work)]() mutable {
                std::exception_ptr e;
                std::optional<std::conditional_t<std::is_void_v<R>, char, R>> value;
                try {
                    if constexpr (std::is_void_v<R>) {
                        if constexpr (takes_token<F>) f(stop->get_token());
                        else f();
                    } else {
                        if constexpr (takes_token<F>) value.emplace(f(stop->get_token()));
                        else value.emplace(f());
                    }
                } catch (...) {
                    e = std::current_exception();
                }
                auto ex = work.get_executor();
                boost::asio::dispatch(ex, [h = std::move(h), e, value = std::move(value), work = std::move(work)]() mutable {
                    // On the handler's executor: no cancellation can come in meanwhile.
                    auto s = boost::asio::get_associated_cancellation_slot(h);
                    if (s.is_connected()) s.clear();
                    if constexpr (std::is_void_v<R>) std::move(h)(e);
                    else std::move(h)(e, value ? std::move(*value) : R{});
                });
            });
        }
    };

    boost::asio::thread_pool pool_;
};

} // namespace sxtp

#endif
