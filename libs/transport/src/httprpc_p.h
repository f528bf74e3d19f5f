#pragma once

// RPC over plain HTTP: POST <rpcPath>/<target>/<method> with a JSON array of arguments,
// answered with {"result": value} or {"error": {"code", "name", "message"}}.

#include <Burrow/connection.h>
#include <Burrow/http.h>

namespace Burrow {

int httpStatusFor(ErrorCode code);
QByteArray httpRpcAnswerBody(const Message &answerOrError);
// Client side: turns an HTTP RPC answer back into an Answer or Error message.
Message httpRpcAnswerFromBody(quint64 requestId, int httpStatus, const QByteArray &body);

void serveHttpRpc(const QString &rpcPath, const MessageHandler &handler, const HttpRequest &request,
                  const HttpResponder &responder);

} // namespace Burrow
