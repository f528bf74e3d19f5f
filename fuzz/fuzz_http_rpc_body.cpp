// fuzz_http_rpc_body: RPC over plain HTTP (libs/transport/src/httprpc.cpp), both sides.
// Input: a first line, the request path (e.g. "/rpc/Calc/add"), then the body (a JSON array of
// arguments). Server side: serveHttpRpc() with a handler that answers with its arguments;
// the request it passes on must carry the path's two parts. Client side: the body is also read
// as a server's answer with httpRpcAnswerFromBody(), under the status given by the path's
// length (200, 400, 404, 500, 503). Round trips (differential, __builtin_trap on mismatch): the
// answer body made from the arguments reads back as the same value; an error body reads back as
// the same code and message. See docs/RELIABILITY-fuzzing.md.

#include "fuzzcommon.h"

#include "httpconnection_p.h"
#include "httprpc_p.h"

#include <Burrow/connection.h>

#include <QtCore/QCborArray>
#include <QtCore/QUrl>

using namespace Burrow;
using BurrowFuzz::fail;

namespace {

QByteArray describe(const QCborValue &value)
{
    return value.toCbor().toHex();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BurrowFuzz::ensureApplication();
    const QByteArray input = BurrowFuzz::bytes(data, size);
    const qsizetype newline = input.indexOf('\n');
    const QByteArray path = newline < 0 ? input : input.left(newline);
    const QByteArray body = newline < 0 ? QByteArray() : input.mid(newline + 1);

    HttpRequest request;
    request.setMethod("POST");
    QUrl url;
    url.setPath(QString::fromUtf8(path), QUrl::TolerantMode);
    request.setUrl(url);
    request.setBody(body);
    request.setHeaders({{"Content-Type", "application/json"}});

    // A responder whose connection is gone: the response is serialised, then dropped.
    auto link = std::make_shared<HttpConnectionLink>();
    auto slot = std::make_shared<HttpResponder::Slot>(link, 0, HttpResponder::Slot::RequestInfo());
    bool handled = false;
    QCborArray received;
    serveHttpRpc(QStringLiteral("/rpc"),
                 [&](const Message &message, const Responder &responder) {
                     handled = true;
                     if (message.type() != Message::Type::Request)
                         fail("serveHttpRpc() passed on something other than a request");
                     const QStringList parts = request.url().path().mid(5).split(QLatin1Char('/'));
                     if (parts.size() != 2 || message.target() != parts.at(0) || message.method() != parts.at(1)
                         || message.target().isEmpty() || message.method().isEmpty()) {
                         fail("serveHttpRpc() passed on a request for another target or method",
                              request.url().path().toUtf8());
                     }
                     received = message.arguments();
                     responder.sendAnswer(received);
                 },
                 request, HttpResponder(slot));
    if (!slot->isAnswered())
        fail("serveHttpRpc() did not answer");

    if (handled) {
        // What the server sends back, and what a client makes of it.
        const QByteArray answerBody = httpRpcAnswerBody(Message::answer(0, received));
        const Message back = httpRpcAnswerFromBody(3, 200, answerBody);
        if (back.type() != Message::Type::Answer || back.id() != 3)
            fail("an answer body does not read back as an answer", answerBody);
        // JSON -> CBOR -> JSON -> CBOR must be stable: compare the second and third rounds.
        const QByteArray answerBody2 = httpRpcAnswerBody(back);
        const Message back2 = httpRpcAnswerFromBody(3, 200, answerBody2);
        if (back2.result() != back.result()) {
            fail("an answer's result changes through JSON",
                 answerBody + "\n" + answerBody2 + "\n" + describe(back.result()) + "\n" + describe(back2.result()));
        }
    }

    const QString text = QString::fromUtf8(body.left(200));
    const ErrorCode code = ErrorCode(1 + int(size % 17));
    const Message error = httpRpcAnswerFromBody(9, httpStatusFor(code), httpRpcAnswerBody(Message::error(0, code, text)));
    if (error.type() != Message::Type::Error || error.id() != 9 || error.errorCode() != code
        || error.errorMessage() != text) {
        fail("an error body does not read back as the same error", body.left(200));
    }

    // The body as a server's answer, as a client reads it.
    static const int statuses[] = {200, 400, 404, 500, 503};
    const Message answer = httpRpcAnswerFromBody(5, statuses[path.size() % 5], body);
    if ((answer.type() != Message::Type::Answer && answer.type() != Message::Type::Error) || answer.id() != 5)
        fail("httpRpcAnswerFromBody() returned neither an answer nor an error with the request's id");
    return 0;
}
