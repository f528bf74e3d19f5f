#pragma once

#include <Burrow/http.h>
#include <Burrow/ormglobal.h>

#include <QtCore/QString>

namespace Burrow {

class OrmDatabase;
class Server;

// REST access to an OrmDatabase's tables over a Burrow::Server, JSON in and out
// (docs/ORM.md has the details):
//
//   GET    <root>                     the table names
//   GET    <root>/<Table>?limit=&offset=   rows ordered by id (X-Total-Count: the row count)
//   GET    <root>/<Table>/<id>        one row
//   POST   <root>/<Table>             insert a JSON object -> 201 {"id": n[, "version": v]}
//   PUT    <root>/<Table>/<id>        update the fields present -> 200 and the row
//   DELETE <root>/<Table>/<id>        -> 204
//   POST   <root>/<Table>/batch       [{"insert": {...}}, {"update": {"id": n, ...}},
//                                      {"delete": n}, ...] in one transaction -> 200 {"ids": [...]}
//
// Errors: 400 malformed JSON or wrong-typed/unknown fields, 403 read-only (replicated) table,
// 404 unknown table or id, 405 wrong method, 409 id already taken; the body is JSON
// {"error": "<ErrorCode name>", "message": "..."}.
class BURROW_ORM_EXPORT OrmRestService
{
public:
    static constexpr int defaultPageSize = 100;
    static constexpr int maximumPageSize = 1000;

    // Adds the route. Requests run in the database's thread (handed over with a queued call
    // when the server lives in another thread). The database must outlive the server, or
    // live in the server's thread.
    static void serve(Server *server, OrmDatabase *database, const QString &root = QStringLiteral("/orm"));

    // Answers one request; call it in the database's thread. For callers that route themselves.
    static HttpResponse handle(OrmDatabase *database, const QString &root, const HttpRequest &request);
};

} // namespace Burrow
