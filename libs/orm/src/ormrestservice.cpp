#include <Burrow/ormrestservice.h>

#include <Burrow/ormdatabase.h>
#include <Burrow/server.h>

#include <QtCore/QCborArray>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QPointer>
#include <QtCore/QUrlQuery>

#include <limits>

namespace Burrow {

namespace {

int statusFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::NotFound:
        return 404;
    case ErrorCode::ReadOnly:
        return 403;
    case ErrorCode::InvalidArguments:
    case ErrorCode::ParseError:
    case ErrorCode::InvalidMessage:
        return 400;
    case ErrorCode::Conflict:
        return 409;
    case ErrorCode::NotSupported:
        return 405;
    case ErrorCode::Unavailable:
        return 503;
    default:
        return 500;
    }
}

HttpResponse errorResponse(ErrorCode code, const QString &message, int status = 0)
{
    QJsonObject body{{QStringLiteral("error"), errorCodeName(code)},
                     {QStringLiteral("message"), message}};
    return HttpResponse::json(QJsonDocument(body).toJson(QJsonDocument::Compact),
                              status ? status : statusFor(code));
}

HttpResponse databaseError(const OrmDatabase *database)
{
    return errorResponse(database->error(), database->errorString());
}

HttpResponse jsonResponse(const QJsonValue &value, int status = 200)
{
    const QByteArray body = value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                                            : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    return HttpResponse::json(body, status);
}

HttpResponse methodNotAllowed(const HttpRequest &request, const QByteArray &allowed)
{
    HttpResponse response = errorResponse(ErrorCode::NotSupported,
                                          QStringLiteral("method %1 not allowed on %2 (allowed: %3)")
                                                  .arg(QString::fromLatin1(request.method()),
                                                       request.url().path(), QString::fromLatin1(allowed)),
                                          405);
    response.setHeader("Allow", allowed);
    return response;
}

// Parses the body as JSON; on failure *error is the 400 answer.
bool parseBody(const HttpRequest &request, QJsonDocument *document, HttpResponse *error)
{
    QJsonParseError parseError;
    *document = QJsonDocument::fromJson(request.body(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = errorResponse(ErrorCode::ParseError,
                               QStringLiteral("malformed JSON at offset %1: %2")
                                       .arg(parseError.offset).arg(parseError.errorString()),
                               400);
        return false;
    }
    return true;
}

bool parseObject(const HttpRequest &request, QCborMap *row, HttpResponse *error)
{
    QJsonDocument document;
    if (!parseBody(request, &document, error))
        return false;
    if (!document.isObject()) {
        *error = errorResponse(ErrorCode::InvalidArguments, QStringLiteral("the body must be a JSON object"), 400);
        return false;
    }
    *row = QCborMap::fromJsonObject(document.object());
    return true;
}

bool parseCount(const QUrlQuery &query, const QString &name, qint64 defaultValue, qint64 maximum,
                qint64 *value, HttpResponse *error)
{
    *value = defaultValue;
    if (!query.hasQueryItem(name))
        return true;
    bool ok = false;
    const qint64 parsed = query.queryItemValue(name).toLongLong(&ok);
    if (!ok || parsed < 0 || parsed > maximum) {
        *error = errorResponse(ErrorCode::InvalidArguments,
                               QStringLiteral("%1 must be an integer from 0 to %2").arg(name).arg(maximum), 400);
        return false;
    }
    *value = parsed;
    return true;
}

HttpResponse listRows(OrmDatabase *database, const QString &table, const HttpRequest &request)
{
    const QUrlQuery query(request.url());
    qint64 limit = 0;
    qint64 offset = 0;
    HttpResponse error;
    if (!parseCount(query, QStringLiteral("limit"), OrmRestService::defaultPageSize,
                    OrmRestService::maximumPageSize, &limit, &error)
        || !parseCount(query, QStringLiteral("offset"), 0, std::numeric_limits<qint64>::max(), &offset, &error)) {
        return error;
    }
    const QList<QCborMap> rows = database->rows(table, {}, {}, limit, offset);
    if (database->error() != ErrorCode::NoError)
        return databaseError(database);
    const qint64 total = database->countRows(table);
    QJsonArray array;
    for (const QCborMap &row : rows)
        array.append(row.toJsonObject());
    HttpResponse response = jsonResponse(array);
    if (total >= 0)
        response.setHeader("X-Total-Count", QByteArray::number(total));
    return response;
}

HttpResponse insertRow(OrmDatabase *database, const QString &root, const QString &table,
                       const HttpRequest &request)
{
    QCborMap row;
    HttpResponse error;
    if (!parseObject(request, &row, &error))
        return error;
    const qint64 id = database->insertRow(table, row);
    if (!id)
        return databaseError(database);
    QJsonObject answer{{QStringLiteral("id"), id}};
    if (database->tableInfo(table).isVersioned)
        answer.insert(QStringLiteral("version"), database->currentVersion());
    HttpResponse response = jsonResponse(answer, 201);
    response.setHeader("Location", QStringLiteral("%1/%2/%3").arg(root, table).arg(id).toUtf8());
    return response;
}

HttpResponse runBatch(OrmDatabase *database, const QString &table, const HttpRequest &request)
{
    QJsonDocument document;
    HttpResponse error;
    if (!parseBody(request, &document, &error))
        return error;
    if (!document.isArray()) {
        return errorResponse(ErrorCode::InvalidArguments,
                             QStringLiteral("the batch body must be a JSON array of {\"insert\": {...}}, "
                                            "{\"update\": {\"id\": n, ...}} and {\"delete\": n}"),
                             400);
    }
    const QJsonArray writes = document.array();
    WriteBatch batch = database->batch();
    QJsonArray ids;
    for (qsizetype i = 0; i < writes.size(); ++i) {
        const QJsonObject write = writes.at(i).toObject();
        const auto bad = [&](const QString &why) {
            return errorResponse(ErrorCode::InvalidArguments, QStringLiteral("batch write %1: %2").arg(i + 1).arg(why), 400);
        };
        if (write.size() != 1)
            return bad(QStringLiteral("expected an object with one key: insert, update or delete"));
        const QString verb = write.constBegin().key();
        const QJsonValue argument = write.constBegin().value();
        if (verb == QLatin1String("insert") && argument.isObject()) {
            ids.append(batch.insertRow(table, QCborMap::fromJsonObject(argument.toObject())));
        } else if (verb == QLatin1String("update") && argument.isObject()) {
            const QJsonObject values = argument.toObject();
            const qint64 id = values.value(QStringLiteral("id")).toInteger();
            if (id <= 0)
                return bad(QStringLiteral("an update needs a positive \"id\""));
            batch.updateRow(table, id, QCborMap::fromJsonObject(values));
            ids.append(id);
        } else if (verb == QLatin1String("delete") && argument.isDouble()) {
            const qint64 id = argument.toInteger();
            batch.removeRow(table, id);
            ids.append(id);
        } else {
            return bad(QStringLiteral("expected {\"insert\": {...}}, {\"update\": {...}} or {\"delete\": id}"));
        }
    }
    if (!batch.commit())
        return errorResponse(batch.error(), batch.errorString());
    QJsonObject answer{{QStringLiteral("ids"), ids}};
    if (batch.lastVersion()) {
        answer.insert(QStringLiteral("firstVersion"), batch.firstVersion());
        answer.insert(QStringLiteral("lastVersion"), batch.lastVersion());
    }
    return jsonResponse(answer);
}

} // namespace

HttpResponse OrmRestService::handle(OrmDatabase *database, const QString &root, const HttpRequest &request)
{
    if (!database || !database->isOpen())
        return errorResponse(ErrorCode::Unavailable, QStringLiteral("the database is not available"));
    const QString path = request.url().path();
    if (!path.startsWith(root))
        return errorResponse(ErrorCode::NotFound, QStringLiteral("nothing is served at %1").arg(path), 404);
    const QStringList parts = path.mid(root.size()).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const QByteArray method = request.method();

    if (parts.isEmpty()) {
        if (method != "GET")
            return methodNotAllowed(request, "GET");
        return jsonResponse(QJsonArray::fromStringList(database->tableNames()));
    }
    const QString table = parts.at(0);
    if (!database->hasTable(table))
        return errorResponse(ErrorCode::NotFound, QStringLiteral("unknown table %1").arg(table));
    if (parts.size() == 1) {
        if (method == "GET")
            return listRows(database, table, request);
        if (method == "POST")
            return insertRow(database, root, table, request);
        return methodNotAllowed(request, "GET, POST");
    }
    if (parts.size() > 2)
        return errorResponse(ErrorCode::NotFound, QStringLiteral("nothing is served at %1").arg(path));
    if (parts.at(1) == QLatin1String("batch")) {
        if (method != "POST")
            return methodNotAllowed(request, "POST");
        return runBatch(database, table, request);
    }
    bool ok = false;
    const qint64 id = parts.at(1).toLongLong(&ok);
    if (!ok || id <= 0) {
        return errorResponse(ErrorCode::NotFound,
                             QStringLiteral("no record %1 in table %2: ids are positive integers").arg(parts.at(1), table));
    }
    if (method == "GET") {
        const std::optional<QCborMap> row = database->row(table, id);
        if (!row)
            return databaseError(database);
        return jsonResponse(row->toJsonObject());
    }
    if (method == "PUT") {
        QCborMap values;
        HttpResponse error;
        if (!parseObject(request, &values, &error))
            return error;
        if (!database->updateRow(table, id, values))
            return databaseError(database);
        const std::optional<QCborMap> row = database->row(table, id);
        if (!row)
            return databaseError(database);
        return jsonResponse(row->toJsonObject());
    }
    if (method == "DELETE") {
        if (!database->removeRow(table, id))
            return databaseError(database);
        return HttpResponse(204);
    }
    return methodNotAllowed(request, "GET, PUT, DELETE");
}

void OrmRestService::serve(Server *server, OrmDatabase *database, const QString &root)
{
    QString prefix = root;
    if (!prefix.startsWith(QLatin1Char('/')))
        prefix.prepend(QLatin1Char('/'));
    while (prefix.size() > 1 && prefix.endsWith(QLatin1Char('/')))
        prefix.chop(1);
    const QPointer<OrmDatabase> guard(database);
    server->addRoute(QByteArray(), prefix, [guard, prefix](const HttpRequest &request, const HttpResponder &responder) {
        OrmDatabase *target = guard.data();
        if (!target) {
            responder.respond(errorResponse(ErrorCode::Unavailable, QStringLiteral("the database is gone")));
            return;
        }
        // Direct call when the database lives in this thread, a queued one otherwise. If the
        // database is deleted first, the call is dropped with the responder: the client gets 500.
        QMetaObject::invokeMethod(target, [guard, prefix, request, responder] {
            responder.respond(handle(guard.data(), prefix, request));
        });
    });
}

} // namespace Burrow
