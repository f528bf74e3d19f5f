// The completion-callback form of Connection::call() / Client::call(): the handler gets the
// answer, the peer's error, a Timeout or ConnectionClosed, exactly once, in its context's
// thread, and never once its context is destroyed.
#include <Burrow/client.h>
#include <Burrow/server.h>

#include <QtTest/QtTest>

#include <memory>
#include <vector>

using namespace Burrow;

namespace {
// Records every answer a handler received and the thread it ran in.
struct Received
{
    QList<Message> messages;
    QList<QThread *> threads;

    AnswerHandler handler()
    {
        return [this](const Message &answer) {
            messages.append(answer);
            threads.append(QThread::currentThread());
        };
    }
};
} // namespace

class tst_TransportCallbacks : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void answer_data();
    void answer();
    void error();
    void timeout();
    void connectionClosed();
    void callOnClosedConnectionFailsAtOnce();
    void notConnectedClientFailsAtOnce();
    void contextDestroyedBeforeAnswer();
    void contextInAnotherThread();
    void callFromAnotherThread();

private:
    // Server: "echo" answers its first argument; "fail" answers an error; "hold" keeps the
    // responder in m_held until the test answers it.
    void startServer();
    void connectClient(const QString &subprotocol, int answerTimeout = 60000);

    std::unique_ptr<Server> m_server;
    std::unique_ptr<Client> m_client;
    std::vector<Responder> m_held;
};

void tst_TransportCallbacks::init()
{
    m_held.clear();
}

void tst_TransportCallbacks::cleanup()
{
    m_held.clear();
    m_client.reset();
    m_server.reset();
}

void tst_TransportCallbacks::startServer()
{
    m_server = std::make_unique<Server>();
    m_server->setMessageHandler([this](const Message &message, const Responder &responder) {
        if (message.method() == QLatin1String("echo"))
            responder.sendAnswer(message.arguments().at(0));
        else if (message.method() == QLatin1String("fail"))
            responder.sendError(ErrorCode::NotFound, QStringLiteral("nothing called %1").arg(message.arguments().at(0).toString()));
        else if (message.method() == QLatin1String("hold"))
            m_held.push_back(responder);
    });
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
}

void tst_TransportCallbacks::connectClient(const QString &subprotocol, int answerTimeout)
{
    m_client = std::make_unique<Client>();
    ClientSettings settings;
    settings.setSubprotocol(subprotocol);
    settings.setAnswerTimeout(answerTimeout);
    m_client->setSettings(settings);
    m_client->connectToServer(m_server->webSocketUrl());
    QVERIFY2(m_client->waitForConnected(20000), qPrintable(m_client->errorString()));
}

void tst_TransportCallbacks::answer_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::addColumn<bool>("withContext");
    for (const char *subprotocol : {JsonSubprotocol, BinarySubprotocol}) {
        for (bool withContext : {false, true}) {
            QTest::addRow("%s%s", subprotocol, withContext ? "-context" : "")
                << QString::fromLatin1(subprotocol) << withContext;
        }
    }
}

void tst_TransportCallbacks::answer()
{
    QFETCH(QString, subprotocol);
    QFETCH(bool, withContext);
    startServer();
    connectClient(subprotocol);

    QObject context;
    Received received;
    m_client->call(QStringLiteral("T"), QStringLiteral("echo"), {QStringLiteral("hello")},
                   withContext ? &context : nullptr, received.handler());
    QVERIFY(received.messages.isEmpty()); // not before the answer came
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), 1, 20000);
    QCOMPARE(received.messages.at(0).type(), Message::Type::Answer);
    QCOMPARE(received.messages.at(0).result().toString(), QStringLiteral("hello"));
    QCOMPARE(received.threads.at(0), QThread::currentThread());

    // The Connection form, pipelined: every handler runs once, each with its own answer.
    Connection *connection = m_client->connection();
    QVERIFY(connection);
    Received many;
    for (int i = 0; i < 50; ++i)
        connection->call(QStringLiteral("T"), QStringLiteral("echo"), {i}, withContext ? &context : nullptr, many.handler());
    QTRY_COMPARE_WITH_TIMEOUT(many.messages.size(), 50, 20000);
    QSet<qint64> seen;
    for (const Message &m : std::as_const(many.messages)) {
        QCOMPARE(m.type(), Message::Type::Answer);
        seen.insert(m.result().toInteger());
    }
    QCOMPARE(seen.size(), 50);
    QTest::qWait(50);
    QCOMPARE(many.messages.size(), 50); // exactly once
}

void tst_TransportCallbacks::error()
{
    startServer();
    connectClient(QString::fromLatin1(BinarySubprotocol));
    QObject context;
    Received received;
    m_client->call(QStringLiteral("T"), QStringLiteral("fail"), {QStringLiteral("x")}, &context, received.handler());
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), 1, 20000);
    const Message &m = received.messages.at(0);
    QCOMPARE(m.type(), Message::Type::Error);
    QCOMPARE(m.errorCode(), ErrorCode::NotFound);
    QCOMPARE(m.errorMessage(), QStringLiteral("nothing called x"));
}

void tst_TransportCallbacks::timeout()
{
    startServer();
    connectClient(QString::fromLatin1(BinarySubprotocol), 300);
    QObject context;
    Received received;
    QElapsedTimer clock;
    clock.start();
    m_client->call(QStringLiteral("T"), QStringLiteral("hold"), {}, &context, received.handler());
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), 1, 20000);
    QVERIFY2(clock.elapsed() >= 250, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(received.messages.at(0).type(), Message::Type::Error);
    QCOMPARE(received.messages.at(0).errorCode(), ErrorCode::Timeout);

    // The late answer is dropped, not delivered a second time.
    QTRY_COMPARE_WITH_TIMEOUT(m_held.size(), size_t(1), 20000);
    m_held.front().sendAnswer(1);
    Received after;
    m_client->call(QStringLiteral("T"), QStringLiteral("echo"), {2}, &context, after.handler());
    QTRY_COMPARE_WITH_TIMEOUT(after.messages.size(), 1, 20000);
    QCOMPARE(received.messages.size(), 1);
}

void tst_TransportCallbacks::connectionClosed()
{
    startServer();
    connectClient(QString::fromLatin1(BinarySubprotocol));
    QObject context;
    Received received;
    m_client->call(QStringLiteral("T"), QStringLiteral("hold"), {}, &context, received.handler());
    QTRY_COMPARE_WITH_TIMEOUT(m_held.size(), size_t(1), 20000);
    QCOMPARE(m_server->connections().size(), 1);
    m_server->connections().constFirst()->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("bye"));
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), 1, 20000);
    QCOMPARE(received.messages.at(0).type(), Message::Type::Error);
    QCOMPARE(received.messages.at(0).errorCode(), ErrorCode::ConnectionClosed);
}

void tst_TransportCallbacks::callOnClosedConnectionFailsAtOnce()
{
    startServer();
    connectClient(QString::fromLatin1(BinarySubprotocol));
    Connection *connection = m_client->connection();
    QVERIFY(connection);
    // Called from closed(), where the connection is finished but still alive.
    Received received;
    int sizeOnReturn = -1;
    QObject context;
    bool closed = false;
    connect(connection, &Connection::closed, &context, [&] {
        closed = true;
        connection->call(QStringLiteral("T"), QStringLiteral("echo"), {1}, &context, received.handler());
        sizeOnReturn = int(received.messages.size());
    });
    m_server->connections().constFirst()->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("bye"));
    QTRY_VERIFY_WITH_TIMEOUT(closed, 20000);
    QCOMPARE(sizeOnReturn, 1); // before call() returned
    QCOMPARE(received.messages.at(0).errorCode(), ErrorCode::ConnectionClosed);
}

void tst_TransportCallbacks::notConnectedClientFailsAtOnce()
{
    Client client;
    Received received;
    client.call(QStringLiteral("T"), QStringLiteral("echo"), {1}, nullptr, received.handler());
    QCOMPARE(received.messages.size(), 1);
    QCOMPARE(received.messages.at(0).type(), Message::Type::Error);
    QCOMPARE(received.messages.at(0).errorCode(), ErrorCode::ConnectionClosed);
}

void tst_TransportCallbacks::contextDestroyedBeforeAnswer()
{
    startServer();
    connectClient(QString::fromLatin1(BinarySubprotocol));
    auto context = std::make_unique<QObject>();
    bool ran = false;
    m_client->call(QStringLiteral("T"), QStringLiteral("hold"), {}, context.get(),
                   [&ran](const Message &) { ran = true; });
    QTRY_COMPARE_WITH_TIMEOUT(m_held.size(), size_t(1), 20000);
    context.reset();
    m_held.front().sendAnswer(QStringLiteral("late"));
    // Answers come in order on one connection: once this one is in, the first was handled.
    QObject other;
    Received after;
    m_client->call(QStringLiteral("T"), QStringLiteral("echo"), {2}, &other, after.handler());
    QTRY_COMPARE_WITH_TIMEOUT(after.messages.size(), 1, 20000);
    QVERIFY(!ran);

    // Also when the call then fails instead of being answered.
    context = std::make_unique<QObject>();
    m_client->call(QStringLiteral("T"), QStringLiteral("hold"), {}, context.get(),
                   [&ran](const Message &) { ran = true; });
    QTRY_COMPARE_WITH_TIMEOUT(m_held.size(), size_t(2), 20000);
    context.reset();
    QSignalSpy disconnected(m_client.get(), &Client::disconnected);
    m_server->connections().constFirst()->abort(QStringLiteral("gone"));
    QTRY_VERIFY_WITH_TIMEOUT(!disconnected.isEmpty(), 20000);
    QTest::qWait(50);
    QVERIFY(!ran);
}

void tst_TransportCallbacks::contextInAnotherThread()
{
    startServer();
    connectClient(QString::fromLatin1(BinarySubprotocol));
    QThread worker;
    worker.start();
    auto *context = new QObject;
    context->moveToThread(&worker);
    QMutex mutex;
    QList<Message> messages;
    QThread *ranIn = nullptr;
    m_client->call(QStringLiteral("T"), QStringLiteral("echo"), {7}, context, [&](const Message &answer) {
        QMutexLocker locker(&mutex);
        messages.append(answer);
        ranIn = QThread::currentThread();
    });
    const auto count = [&] { QMutexLocker locker(&mutex); return messages.size(); };
    QTRY_COMPARE_WITH_TIMEOUT(count(), 1, 20000);
    {
        QMutexLocker locker(&mutex);
        QCOMPARE(ranIn, &worker);
        QCOMPARE(messages.at(0).result().toInteger(), 7);
    }
    QMetaObject::invokeMethod(context, &QObject::deleteLater);
    worker.quit();
    QVERIFY(worker.wait(20000));
}

void tst_TransportCallbacks::callFromAnotherThread()
{
    startServer();
    connectClient(QString::fromLatin1(BinarySubprotocol));
    // A call made in another thread without a context: the handler runs in the connection's
    // thread (this one).
    Received received;
    Client *client = m_client.get();
    QThread *caller = QThread::create([client, &received] {
        client->call(QStringLiteral("T"), QStringLiteral("echo"), {3}, nullptr, received.handler());
    });
    caller->start();
    QVERIFY(caller->wait(20000));
    delete caller;
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), 1, 20000);
    QCOMPARE(received.messages.at(0).result().toInteger(), 3);
    QCOMPARE(received.threads.at(0), QThread::currentThread());
}

QTEST_GUILESS_MAIN(tst_TransportCallbacks)
#include "tst_transport_callbacks.moc"
