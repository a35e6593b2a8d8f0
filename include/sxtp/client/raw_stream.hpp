// sxtp/client/raw_stream.hpp — client::raw_stream, one untyped stream call
// (see client.hpp). client.hpp includes it at its end; included first, it
// includes client.hpp (outside its guard), which defines it.
#include <sxtp/client/client.hpp>

#ifndef SXTP_CLIENT_RAW_STREAM_HPP
#define SXTP_CLIENT_RAW_STREAM_HPP

namespace sxtp {

/// One stream call, untyped: what the server streams (chunks and
/// events), what the client streams (chunk bodies), and how it ended.
/// Destroying it before the stream ended sends `cancel`.
class client::raw_stream {
public:
    raw_stream() = default;
    raw_stream(raw_stream&&) noexcept = default;  // the moved-from stream has no call: its destructor does nothing
    raw_stream& operator=(raw_stream&& o) noexcept {
        if (this != &o) {
            cancel();  // leaving this stream's call
            std::destroy_at(this);
            std::construct_at(this, std::move(o));
        }
        return *this;
    }
    ~raw_stream() { cancel(); }

    /// The next chunk or event; std::nullopt once the stream has ended
    /// (then outcome() says how). Heartbeat events are passed on too.
    boost::asio::awaitable<std::optional<std::variant<sxtp::chunk, sxtp::event>>> next();

    /// Sends one chunk of the client's stream, waiting for credit.
    /// False when the call has ended (or finish() was called).
    boost::asio::awaitable<bool> write(sx::value body);

    /// Ends the client's stream: `(chunk :done true)`.
    void finish();

    /// Waits for the call's end and returns its answer: the response of a
    /// client stream; for a server stream, `ok` or the condition it ended with.
    boost::asio::awaitable<response> answer();

    /// Stops the stream: sends `cancel` (the server ends it with a done
    /// chunk, which is discarded); outcome() becomes cancelled.
    void cancel();

    /// The stream head, once it arrived.
    const std::optional<response>& head() const noexcept { return p_->head; }
    /// How the stream ended, once it has: `ok` (a done chunk without a
    /// condition, or the client stream's answer), or a condition response.
    const std::optional<response>& outcome() const noexcept { return outcome_; }

private:
    friend class client;
    raw_stream(std::shared_ptr<channel> ch, std::shared_ptr<channel::pending> p, wire::call_id id, std::optional<clock::time_point> deadline)
        : ch_(std::move(ch)), p_(std::move(p)), id_(id), gen_(ch_->generation), deadline_(deadline) {}

    // The call is on the connection it was sent on.
    bool live() const { return ch_ && ch_->generation == gen_ && ch_->state == channel::phase::open && ch_->calls.count(id_); }

    // Sleeps until something happens to the call; false when the wait
    // itself ended the stream (deadline, the caller's cancellation).
    boost::asio::awaitable<bool> wait();

    // The outcome from what the call ended with.
    void settle();

    std::shared_ptr<channel> ch_;
    std::shared_ptr<channel::pending> p_;
    wire::call_id id_ = 0;
    std::uint64_t gen_ = 0;
    std::optional<clock::time_point> deadline_;
    std::int64_t consumed_ = 0;
    std::int64_t window_ = wire::stream_window;
    bool finished_ = false;
    std::optional<response> outcome_;
};

} // namespace sxtp

#endif
