#include "httprpc_p.h"
#include "connection_p.h"

#include <QtCore/QCborMap>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

namespace Burrow {

namespace {

HttpResponse errorResponse(ErrorCode code, const QString &message);

class HttpResponderTarget final : public Responder::Target
{
public:
    explicit HttpResponderTarget(HttpResponder responder) : m_responder(std::move(responder)) {}
    // The last Responder copy is gone unanswered: answer with an RPC error body (section 8 of
    // docs/PROTOCOL.md), not HttpResponder's plain-text 500.
    ~HttpResponderTarget() override
    {
        if (!answered.exchange(true)) {
            m_responder.respond(errorResponse(ErrorCode::ImplementationError,
                                              QStringLiteral("the handler dropped the request without answering")));
        }
    }
    quint64 requestId() const override { return 0; }
    void deliver(const Message &answerOrError) override
    {
        const int status = answerOrError.type() == Message::Type::Error
                ? httpStatusFor(answerOrError.errorCode()) : 200;
        m_responder.respond(HttpResponse::json(httpRpcAnswerBody(answerOrError), status));
    }

private:
    HttpResponder m_responder;
};

HttpResponse errorResponse(ErrorCode code, const QString &message)
{
    return HttpResponse::json(httpRpcAnswerBody(Message::error(0, code, message)), httpStatusFor(code));
}

} // namespace

int httpStatusFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::NoError: return 200;
    case ErrorCode::ParseError:
    case ErrorCode::InvalidMessage:
    case ErrorCode::InvalidArguments:
    case ErrorCode::NotSupported: return 400;
    case ErrorCode::Unauthorized: return 401;
    case ErrorCode::UnknownService:
    case ErrorCode::UnknownMethod:
    case ErrorCode::NotFound: return 404;
    case ErrorCode::Conflict:
    case ErrorCode::ContractMismatch: return 409;
    case ErrorCode::CallbackReleased: return 410;
    case ErrorCode::MessageTooLarge: return 413;
    case ErrorCode::ReadOnly: return 403;
    case ErrorCode::Unavailable:
    case ErrorCode::ConnectionClosed: return 503;
    case ErrorCode::Timeout: return 504;
    case ErrorCode::ImplementationError: return 500;
    }
    return 500;
}

QByteArray httpRpcAnswerBody(const Message &answerOrError)
{
    QJsonObject body;
    if (answerOrError.type() == Message::Type::Error) {
        body.insert(QStringLiteral("error"), QJsonObject{
            {QStringLiteral("code"), int(answerOrError.errorCode())},
            {QStringLiteral("name"), errorCodeName(answerOrError.errorCode())},
            {QStringLiteral("message"), answerOrError.errorMessage()},
        });
    } else {
        body.insert(QStringLiteral("result"), answerOrError.result().toJsonValue());
    }
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

Message httpRpcAnswerFromBody(quint64 requestId, int httpStatus, const QByteArray &body)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (!document.isObject()) {
        return Message::error(requestId, httpStatus == 200 ? ErrorCode::ParseError : ErrorCode::Unavailable,
                              QStringLiteral("HTTP %1 without a Burrow answer: %2")
                                  .arg(httpStatus).arg(QString::fromUtf8(body.left(200)).trimmed()));
    }
    const QJsonObject object = document.object();
    if (object.contains(QStringLiteral("error"))) {
        const QJsonObject error = object.value(QStringLiteral("error")).toObject();
        return Message::error(requestId, ErrorCode(error.value(QStringLiteral("code")).toInt(int(ErrorCode::InvalidMessage))),
                              error.value(QStringLiteral("message")).toString());
    }
    return Message::answer(requestId, QCborValue::fromJsonValue(object.value(QStringLiteral("result"))));
}

void serveHttpRpc(const QString &rpcPath, const MessageHandler &handler, const HttpRequest &request,
                  const HttpResponder &responder)
{
    const QStringList parts = request.url().path().mid(rpcPath.size() + 1).split(QLatin1Char('/'));
    if (parts.size() != 2 || parts.at(0).isEmpty() || parts.at(1).isEmpty()) {
        responder.respond(errorResponse(ErrorCode::InvalidMessage,
                                        QStringLiteral("expected POST %1/<interface>/<method>").arg(rpcPath)));
        return;
    }
    QCborArray arguments;
    const QByteArray body = request.body().trimmed();
    if (!body.isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError) {
            responder.respond(errorResponse(ErrorCode::ParseError,
                                            QStringLiteral("body is not JSON: %1 at offset %2")
                                                .arg(parseError.errorString()).arg(parseError.offset)));
            return;
        }
        if (!document.isArray()) {
            responder.respond(errorResponse(ErrorCode::InvalidArguments,
                                            QStringLiteral("body must be a JSON array of arguments")));
            return;
        }
        arguments = QCborArray::fromJsonArray(document.array());
    }
    if (!handler) {
        responder.respond(errorResponse(ErrorCode::UnknownService, QStringLiteral("no service is served here")));
        return;
    }
    handler(Message::request(0, parts.at(0), parts.at(1), arguments),
            Responder(std::make_shared<HttpResponderTarget>(responder)));
}

} // namespace Burrow
