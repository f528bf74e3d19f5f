// Starts a Burrow server, calls it over WebSockets and over plain HTTP, prints "consumer: ok".
#include <Burrow/client.h>
#include <Burrow/server.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTimer>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Burrow::Server server;
    server.setMessageHandler([](const Burrow::Message &message, const Burrow::Responder &responder) {
        responder.sendAnswer(QCborValue(message.arguments().at(0).toInteger() * 2));
    });
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "consumer: listen failed: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    for (const QUrl &url : {server.webSocketUrl(), server.httpUrl().resolved(QUrl(QStringLiteral("/rpc")))}) {
        Burrow::Client client;
        client.connectToServer(url);
        if (!client.waitForConnected(5000)) {
            std::fprintf(stderr, "consumer: cannot connect to %s: %s\n", qPrintable(url.toString()),
                         qPrintable(client.errorString()));
            return 1;
        }
        const Burrow::Message answer = client.callAndWait(QStringLiteral("Math"), QStringLiteral("double"), {21});
        if (answer.result().toInteger() != 42) {
            std::fprintf(stderr, "consumer: unexpected answer over %s\n", qPrintable(url.scheme()));
            return 1;
        }
    }
    std::printf("consumer: ok\n");
    return 0;
}
