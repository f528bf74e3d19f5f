#include <Burrow/http.h>

#include "httpconnection_p.h"

#include <http_parser.h>

namespace Burrow {

static const QPair<QByteArray, QByteArray> *findHeader(const HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &header : headers) {
        if (QByteArrayView(header.first).compare(name, Qt::CaseInsensitive) == 0)
            return &header;
    }
    return nullptr;
}

// --- HttpRequest -----------------------------------------------------------------------------

QByteArray HttpRequest::header(QByteArrayView name) const
{
    const auto *header = findHeader(m_headers, name);
    return header ? header->second : QByteArray();
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    return findHeader(m_headers, name) != nullptr;
}

// --- HttpResponse ----------------------------------------------------------------------------

HttpResponse::HttpResponse(int statusCode, const QByteArray &body, const QByteArray &contentType)
    : m_statusCode(statusCode), m_body(body)
{
    if (!contentType.isEmpty())
        m_headers.append({QByteArrayLiteral("Content-Type"), contentType});
}

HttpResponse HttpResponse::json(const QByteArray &jsonBody, int statusCode)
{
    return HttpResponse(statusCode, jsonBody, QByteArrayLiteral("application/json"));
}

HttpResponse HttpResponse::error(int statusCode, const QString &reason)
{
    QByteArray body = QByteArray::number(statusCode) + ' ' + reasonPhrase(statusCode);
    if (!reason.isEmpty())
        body += ": " + reason.toUtf8();
    body += '\n';
    return HttpResponse(statusCode, body);
}

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &header : m_headers) {
        if (QByteArrayView(header.first).compare(name, Qt::CaseInsensitive) == 0) {
            header.second = value;
            return;
        }
    }
    m_headers.append({name, value});
}

QByteArray HttpResponse::header(QByteArrayView name) const
{
    const auto *header = findHeader(m_headers, name);
    return header ? header->second : QByteArray();
}

QByteArray HttpResponse::reasonPhrase(int statusCode)
{
    const char *phrase = http_status_str(static_cast<enum http_status>(statusCode));
    if (phrase && *phrase != '<') // http_parser answers "<unknown>" for codes it does not know
        return QByteArray(phrase);
    switch (statusCode / 100) {
    case 1: return QByteArrayLiteral("Informational");
    case 2: return QByteArrayLiteral("Success");
    case 3: return QByteArrayLiteral("Redirection");
    case 4: return QByteArrayLiteral("Client Error");
    case 5: return QByteArrayLiteral("Server Error");
    default: return QByteArrayLiteral("Unknown");
    }
}

// --- HttpResponder ---------------------------------------------------------------------------

void HttpResponder::respond(const HttpResponse &response) const
{
    if (m_slot)
        m_slot->respond(response);
}

} // namespace Burrow
