// Services over plain HTTP: POST <rpc path>/<Interface>/<method> with a JSON array of arguments,
// as any HTTP client (curl, a browser) sends it, and a Burrow Client in HTTP mode. Callback
// parameters are refused with NotSupported.

#include "servicestest.h"

#include "alltypes_burrow.h"
#include "longwork_burrow.h"
#include "probe_burrow.h"
#include "testservices.h"
#include "typesexercise.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

using namespace Burrow;
using namespace ServicesTest;
using namespace TestContracts;

namespace {
struct HttpAnswer
{
    int status = 0;
    QJsonObject body;
};
} // namespace

class tst_ServicesHttp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void postServiceMethod();
    void postGadget();
    void postErrors();
    void postCallbackParameter();
    void resolveOverHttp();
    void clientInHttpMode();

private:
    HttpAnswer post(const QString &interfaceName, const QString &method, const QByteArray &body);

    std::unique_ptr<TestServer> m_server;
    QPointer<LongWorkService> m_longWork;
    QNetworkAccessManager m_network;
};

void tst_ServicesHttp::init()
{
    m_server = std::make_unique<TestServer>();
    QVERIFY(m_server->registry.registerService<ITypesService>([] { return new TypesService; }));
    QVERIFY(m_server->registry.registerService<ILongWorkService>([this] { return m_longWork = new LongWorkService; }));
    QVERIFY(m_server->registry.registerService<IProbeService>([] { return new ProbeService; },
                                                              Lifetime::PerCall, Execution::ThreadPool));
    QVERIFY(m_server->start());
}

void tst_ServicesHttp::cleanup()
{
    m_server.reset();
}

HttpAnswer tst_ServicesHttp::post(const QString &interfaceName, const QString &method, const QByteArray &body)
{
    QUrl url = m_server->rpcUrl();
    url.setPath(url.path() + QLatin1Char('/') + interfaceName + QLatin1Char('/') + method);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = m_network.post(request, body);
    HttpAnswer answer;
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000)) {
        reply->abort();
        reply->deleteLater();
        return answer;
    }
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return answer;
}

void tst_ServicesHttp::postServiceMethod()
{
    HttpAnswer answer = post(QStringLiteral("Types"), QStringLiteral("sumTen"), "[1,2,3,4,5,6,7,8,9,10]");
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.body.value(QStringLiteral("result")).toInt(), 55);

    answer = post(QStringLiteral("Types"), QStringLiteral("echoColor"), R"(["Blue"])");
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.body.value(QStringLiteral("result")).toString(), QStringLiteral("Blue"));

    answer = post(QStringLiteral("Types"), QStringLiteral("doNothing"), "[]");
    QCOMPARE(answer.status, 200);

    answer = post(QStringLiteral("Probe"), QStringLiteral("callerInfo"), "[]");
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.body.value(QStringLiteral("result")).toString(), QStringLiteral("Probe.callerInfo http"));
}

void tst_ServicesHttp::postGadget()
{
    const QByteArray shape = R"([{"name":"web","origin":{"x":1,"y":2},"points":[{"x":3,"y":4},{"x":5,"y":6}]}])";
    const HttpAnswer answer = post(QStringLiteral("Types"), QStringLiteral("echoShape"), shape);
    QCOMPARE(answer.status, 200);
    const QJsonObject result = answer.body.value(QStringLiteral("result")).toObject();
    QCOMPARE(result.value(QStringLiteral("name")).toString(), QStringLiteral("web"));
    QCOMPARE(result.value(QStringLiteral("origin")).toObject().value(QStringLiteral("y")).toInt(), 2);
    QCOMPARE(result.value(QStringLiteral("points")).toArray().size(), 2);
}

void tst_ServicesHttp::postErrors()
{
    struct Case
    {
        QString interfaceName;
        QString method;
        QByteArray body;
        int status;
        QString name;
    };
    const QList<Case> cases{
        {QStringLiteral("Nope"), QStringLiteral("x"), "[]", 404, QStringLiteral("UnknownService")},
        {QStringLiteral("Types"), QStringLiteral("nope"), "[]", 404, QStringLiteral("UnknownMethod")},
        {QStringLiteral("Types"), QStringLiteral("echoInt32"), "[1,2]", 400, QStringLiteral("InvalidArguments")},
        {QStringLiteral("Types"), QStringLiteral("echoInt32"), R"(["x"])", 400, QStringLiteral("InvalidArguments")},
        {QStringLiteral("Types"), QStringLiteral("fail"), R"(["over http"])", 500, QStringLiteral("ImplementationError")},
    };
    for (const Case &c : cases) {
        const HttpAnswer answer = post(c.interfaceName, c.method, c.body);
        QCOMPARE(answer.status, c.status);
        const QJsonObject error = answer.body.value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("name")).toString(), c.name);
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    }
    QCOMPARE(post(QStringLiteral("Types"), QStringLiteral("echoInt32"), "[3]").body.value(QStringLiteral("result")).toInt(), 3);
}

void tst_ServicesHttp::postCallbackParameter()
{
    const HttpAnswer answer = post(QStringLiteral("LongWork"), QStringLiteral("startWork"),
                                   R"(["w", {"callback": 1, "interface": "LongWorkCallback"}])");
    QCOMPARE(answer.status, 400);
    const QJsonObject error = answer.body.value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("name")).toString(), QStringLiteral("NotSupported"));
    const QString message = error.value(QStringLiteral("message")).toString();
    QVERIFY2(message.contains(QLatin1String("'onFinish'")) && message.contains(QLatin1String("plain HTTP")),
             qPrintable(message));
    // The method did not run.
    const HttpAnswer count = post(QStringLiteral("LongWork"), QStringLiteral("totalWorkCount"), "[]");
    QCOMPARE(count.body.value(QStringLiteral("result")).toInt(), 0);
}

void tst_ServicesHttp::resolveOverHttp()
{
    const HttpAnswer answer = post(QStringLiteral("burrow"), QStringLiteral("resolve"), R"(["Types"])");
    QCOMPARE(answer.status, 200);
    const QJsonObject result = answer.body.value(QStringLiteral("result")).toObject();
    QCOMPARE(result.value(QStringLiteral("hash")).toString().toLatin1(), ITypesService::burrowContract().hash());
    QCOMPARE(result.value(QStringLiteral("methods")).toArray().size(), ITypesService::burrowContract().methodCount());
}

void tst_ServicesHttp::clientInHttpMode()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->rpcUrl()));
    QVERIFY(client.client->isHttp());
    ITypesService *types = client.resolve<ITypesService>();
    QVERIFY(types);
    QCOMPARE(types->echoShape(sampleShape()), sampleShape());
    QCOMPARE(types->echoDateTime(sampleDateTime()), sampleDateTime());
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);
    QCOMPARE(probe->callerInfo(), QStringLiteral("Probe.callerInfo http"));
    ITypesServiceAsync async(types);
    QFuture<Reply<QString>> future = async.echoString(QStringLiteral("async over http"));
    QTRY_VERIFY(future.isFinished());
    QCOMPARE(future.result().value(), QStringLiteral("async over http"));
}

QTEST_GUILESS_MAIN(tst_ServicesHttp)
#include "tst_services_http.moc"
