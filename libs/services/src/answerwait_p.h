#pragma once

#include <Burrow/contractsupport.h>
#include <Burrow/message.h>

#include <QtCore/QFuture>

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

// The outcome of a pending call, as a future that always finishes (a canceled call gives
// ConnectionClosed).
QFuture<CallOutcome> outcomeFuture(QFuture<Message> future);

QFuture<CallOutcome> readyOutcome(const CallOutcome &outcome);

// The local wait is the transport's answer timeout plus this margin, so that the transport's
// own Timeout error (with its message) normally comes first.
inline constexpr int answerWaitMargin = 2000;

} // namespace Burrow::Private
