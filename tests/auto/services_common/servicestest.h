#pragma once

// Helpers shared by the tests/auto/services_* suites (header only; this folder is not a test):
// a server with a ServiceRegistry on 127.0.0.1, and connected clients.
//
// Server and clients live in the test's thread; everything waits by running the event loop
// (QTRY_*, QTest::qWaitFor, or the blocking proxy calls, which run a local event loop in the
// transport's thread), so the server keeps serving while a test waits.

#include <Burrow/client.h>
#include <Burrow/remoteservices.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtTest/QtTest>

#include <memory>

namespace ServicesTest {

using namespace Burrow;

struct TestServer
{
    Server server;
    ServiceRegistry registry;

    bool start(const ServerSettings &settings = ServerSettings())
    {
        server.setSettings(settings);
        registry.attach(&server);
        if (!server.listen(QHostAddress::LocalHost, 0)) {
            qWarning() << "listen failed:" << server.errorString();
            return false;
        }
        return true;
    }
    QUrl webSocketUrl() const { return server.webSocketUrl(); }
    QUrl httpUrl() const { return server.httpUrl(); }
    // What a Client in HTTP mode connects to: calls are POSTed under this path.
    QUrl rpcUrl() const
    {
        QUrl url = server.httpUrl();
        url.setPath(server.settings().httpRpcPath());
        return url;
    }
};

// A Client and its RemoteServices.
struct TestClient
{
    std::unique_ptr<Client> client = std::make_unique<Client>();
    std::unique_ptr<RemoteServices> services;

    bool connectTo(const QUrl &url, const QString &subprotocol = QString::fromLatin1(BinarySubprotocol),
                   int answerTimeout = 10000)
    {
        ClientSettings settings;
        settings.setSubprotocol(subprotocol);
        settings.setAnswerTimeout(answerTimeout);
        client->setSettings(settings);
        services = std::make_unique<RemoteServices>(client.get());
        client->connectToServer(url);
        if (!client->waitForConnected(10000)) {
            qWarning() << "connect failed:" << client->errorString();
            return false;
        }
        return true;
    }

    template<typename Contract>
    Contract *resolve()
    {
        QString error;
        Contract *proxy = services->template resolve<Contract>(&error);
        if (!proxy)
            qWarning() << "resolve failed:" << error;
        return proxy;
    }

    ~TestClient()
    {
        services.reset();
        client.reset();
    }
};

// "burrow-binary.v1" / "burrow-json.v1" rows.
inline void addSubprotocolRows()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::newRow("binary") << QString::fromLatin1(BinarySubprotocol);
    QTest::newRow("json") << QString::fromLatin1(JsonSubprotocol);
}

} // namespace ServicesTest
