#pragma once

#include <Burrow/contractsupport.h>
#include <Burrow/message.h>

#include <Burrow/connection.h>

#include <QtCore/QFuture>

#include <memory>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace Burrow::Private {

// The outcome carried by an Answer or Error message (anything else: ConnectionClosed).
CallOutcome outcomeFromMessage(const Message &message);

// Waits for a transport answer. In transportThread (where the answer is delivered through
// events) it runs a local event loop; in any other thread it blocks. Gives a Timeout error
// after timeoutMilliseconds (<= 0: no limit of its own; the transport's answer timeout applies).
Message waitForAnswer(QFuture<Message> future, QThread *transportThread, int timeoutMilliseconds);

// Collects the answer of one call made with a completion handler (Connection::call() /
// Client::call() with a null context) and waits for it without any QFuture: hand handler() to
// the call, then wait(). The handler may run before wait() (in any thread) or after wait() has
// given up on a timeout (it then does nothing).
class AnswerWaiter
{
public:
    AnswerWaiter();
    AnswerHandler handler() const;
    // As waitForAnswer() above.
    Message wait(QThread *transportThread, int timeoutMilliseconds);

private:
    struct State;
    std::shared_ptr<State> m_state;
};

// The outcome of a pending call, as a future that always finishes (a canceled call gives
// ConnectionClosed).
QFuture<CallOutcome> outcomeFuture(QFuture<Message> future);

QFuture<CallOutcome> readyOutcome(const CallOutcome &outcome);

// The local wait is the transport's answer timeout plus this margin, so that the transport's
// own Timeout error (with its message) normally comes first.
inline constexpr int answerWaitMargin = 2000;

} // namespace Burrow::Private
