#pragma once

#include <Burrow/transportglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QUrl>
#include <QtNetwork/QHostAddress>

#include <functional>
#include <memory>

namespace Burrow {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// One parsed HTTP/1.x request, as handed to a route handler.
class BURROW_TRANSPORT_EXPORT HttpRequest
{
public:
    QByteArray method() const { return m_method; }   // "GET", "POST", ...
    void setMethod(const QByteArray &method) { m_method = method; }
    // Path and query, decoded. url().path() is what routes match on.
    QUrl url() const { return m_url; }
    void setUrl(const QUrl &url) { m_url = url; }
    HttpHeaders headers() const { return m_headers; }
    void setHeaders(const HttpHeaders &headers) { m_headers = headers; }
    // First header with that name (case-insensitive), or an empty array.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    QByteArray body() const { return m_body; }
    void setBody(const QByteArray &body) { m_body = body; }
    QHostAddress peerAddress() const { return m_peerAddress; }
    void setPeerAddress(const QHostAddress &address) { m_peerAddress = address; }
    int httpMinorVersion() const { return m_httpMinorVersion; } // 1.0 or 1.1
    void setHttpMinorVersion(int minor) { m_httpMinorVersion = minor; }

private:
    QByteArray m_method;
    QUrl m_url;
    HttpHeaders m_headers;
    QByteArray m_body;
    QHostAddress m_peerAddress;
    int m_httpMinorVersion = 1;
};

class BURROW_TRANSPORT_EXPORT HttpResponse
{
public:
    HttpResponse() = default;
    explicit HttpResponse(int statusCode, const QByteArray &body = {},
                          const QByteArray &contentType = "text/plain; charset=utf-8");

    static HttpResponse json(const QByteArray &jsonBody, int statusCode = 200);
    // A plain-text error body with the reason, so curl users see why.
    static HttpResponse error(int statusCode, const QString &reason);

    int statusCode() const { return m_statusCode; }
    void setStatusCode(int code) { m_statusCode = code; }
    HttpHeaders headers() const { return m_headers; }
    void setHeader(const QByteArray &name, const QByteArray &value);
    QByteArray header(QByteArrayView name) const;
    QByteArray body() const { return m_body; }
    void setBody(const QByteArray &body) { m_body = body; }

    static QByteArray reasonPhrase(int statusCode);

private:
    int m_statusCode = 200;
    HttpHeaders m_headers;
    QByteArray m_body;
};

// Answers one HTTP request, once, from any thread, now or later. Responses go out in request
// order even when handlers answer out of order (HTTP/1.1 pipelining). Copyable; copies share
// the one answer. If every copy is dropped unanswered, the request gets 500.
class BURROW_TRANSPORT_EXPORT HttpResponder
{
public:
    class Slot;
    HttpResponder() = default;
    explicit HttpResponder(std::shared_ptr<Slot> slot) : m_slot(std::move(slot)) {}

    void respond(const HttpResponse &response) const;
    bool isValid() const { return bool(m_slot); }

private:
    std::shared_ptr<Slot> m_slot;
};

using HttpHandler = std::function<void(const HttpRequest &request, const HttpResponder &responder)>;

} // namespace Burrow
