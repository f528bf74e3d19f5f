// Burrow services scenarios (issue 3), each group with its baselines measured in it:
//
//  - a small method (int -> int) through a generated proxy, the <Class>Async QFuture form,
//    sequential and 64 in flight, over burrow-binary.v1 (CBOR) and burrow-json.v1, against raw
//    QWebSocket echo and Qt Remote Objects' slot with reply;
//  - one-way callbacks to one client: a service calling a void method of the client's callback
//    proxy in a loop, with the server's notification batching on (the default) and off;
//  - one publisher notifying 1,000 subscriber connections in this process, against Qt Remote
//    Objects' signal fan-out in the same shape.
//
// The contracts are in benchcontracts.h; burrow_add_contracts() generates their proxies. The
// server kinds "services" (default ServerSettings) and "services-nobatch" (batchDelay -1) run
// in a child process like every other server of burrow-bench.

#include "scenarios.h"

#include "benchcontracts_burrow.h"

#include <Burrow/client.h>
#include <Burrow/remoteservices.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <optional>
#include <vector>

namespace BurrowBench {

namespace {

// --- Server side -----------------------------------------------------------------------------

class BenchCalls final : public IBenchCalls
{
public:
    int echo(int value) override
    {
        profileTick();
        return value;
    }
};

// Per connection: the subscriber of the calling connection.
class BenchFeed final : public IBenchFeed
{
public:
    void subscribe(QSharedPointer<IBenchTicks> ticks) override { m_ticks = std::move(ticks); }
    void burst(int count) override
    {
        if (!m_ticks)
            return;
        for (int i = 0; i < count; ++i) {
            m_ticks->tick(m_sequence++);
            profileTick();
        }
    }

private:
    QSharedPointer<IBenchTicks> m_ticks;
    int m_sequence = 0;
};

// Shared: every connection's subscribers, in subscription order.
class BenchPublisher final : public IBenchPublisher
{
    Q_OBJECT
public:
    int subscribe(QSharedPointer<IBenchTicks> ticks) override
    {
        m_subscribers.append(std::move(ticks));
        return int(m_subscribers.size());
    }
    void publish(int count) override
    {
        for (int i = 0; i < count; ++i) {
            for (const QSharedPointer<IBenchTicks> &subscriber : std::as_const(m_subscribers)) {
                subscriber->tick(m_sequence);
                profileTick();
            }
            ++m_sequence;
        }
    }
    int subscriberCount() override { return int(m_subscribers.size()); }

    // The registry's release convention: a subscriber's client went away.
    Q_INVOKABLE void callbackReleased(QObject *callback, const QString &interfaceName)
    {
        Q_UNUSED(interfaceName);
        m_subscribers.removeIf([callback](const QSharedPointer<IBenchTicks> &s) { return s.data() == callback; });
    }

private:
    QList<QSharedPointer<IBenchTicks>> m_subscribers;
    int m_sequence = 0;
};

quint16 serveServices(QObject *owner, QString *error, bool batching)
{
    auto *server = new Burrow::Server(owner);
    Burrow::ServerSettings settings;
    if (!batching)
        settings.setBatchDelay(-1);
    server->setSettings(settings);
    auto *registry = new Burrow::ServiceRegistry(owner);
    registry->registerService<IBenchCalls>([] { return new BenchCalls; });
    registry->registerService<IBenchFeed>([] { return new BenchFeed; }, Burrow::Lifetime::PerConnection);
    registry->registerService<IBenchPublisher>([] { return new BenchPublisher; });
    registry->attach(server);
    if (!server->listen(QHostAddress::LocalHost, 0)) {
        *error = server->errorString();
        return 0;
    }
    return server->serverPort();
}

// --- Client side -----------------------------------------------------------------------------

QUrl wsUrl(quint16 port)
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port));
}

RunResult failed(const QString &error)
{
    RunResult result;
    result.error = error;
    return result;
}

struct WireVariant
{
    const char *name;
    const char *subprotocol;
};
const WireVariant Binary{"binary", Burrow::BinarySubprotocol};
const WireVariant Json{"json", Burrow::JsonSubprotocol};

// The client's callback: counts deliveries and checks that they come in order.
class TickReceiver final : public IBenchTicks
{
public:
    explicit TickReceiver(DeliveryCounter *counter) : m_counter(counter) {}
    void tick(int sequence) override
    {
        if (m_expected >= 0 && sequence != m_expected)
            m_counter->fail(QStringLiteral("tick %1 arrived when %2 was expected").arg(sequence).arg(m_expected));
        m_expected = sequence + 1;
        m_counter->deliver();
    }

private:
    DeliveryCounter *m_counter;
    int m_expected = -1;
};

// A connected Client with its RemoteServices.
struct ServiceClient
{
    explicit ServiceClient(const char *subprotocol = Burrow::BinarySubprotocol)
    {
        Burrow::ClientSettings settings;
        settings.setSubprotocol(QString::fromLatin1(subprotocol));
        client.setSettings(settings);
    }
    Burrow::Client client;
    Burrow::RemoteServices services{&client};
};

class ServiceCallWorkload final : public Workload
{
public:
    enum class Form { Async, Blocking };
    ServiceCallWorkload(quint16 port, const WireVariant &variant, Form form = Form::Async)
        : m_port(port), m_connection(variant.subprotocol), m_form(form)
    {
    }

    bool open(QString *error) override
    {
        m_connection.client.connectToServer(wsUrl(m_port));
        if (!m_connection.client.waitForConnected(10000)) {
            *error = QStringLiteral("Burrow client: %1").arg(m_connection.client.errorString());
            return false;
        }
        IBenchCalls *calls = m_connection.services.resolve<IBenchCalls>(error);
        if (!calls)
            return false;
        m_proxy = calls;
        m_calls.emplace(calls);
        return true;
    }

    void issue(int slot) override
    {
        const int value = ++m_counter;
        if (m_form == Form::Blocking) {
            // The blocking form as console code uses it: the proxy method returns the value
            // (running a local event loop meanwhile). Queued, because done() issues the next call.
            QMetaObject::invokeMethod(&m_connection.client, [this, slot, value, alive = alive] {
                const int result = m_proxy->echo(value);
                if (*alive)
                    done(slot, result == value && !Burrow::lastCallError().isError());
            }, Qt::QueuedConnection);
            return;
        }
        // Sync continuation: runs where the reply is made ready (this thread), no extra event.
        m_calls->echo(value).then(QtFuture::Launch::Sync, [this, slot, value, alive = alive](const Burrow::Reply<int> &reply) {
            if (*alive)
                done(slot, !reply.hasError() && reply.value() == value);
        });
    }

private:
    quint16 m_port;
    ServiceClient m_connection;
    Form m_form;
    IBenchCalls *m_proxy = nullptr;
    std::optional<IBenchCallsAsync> m_calls;
    int m_counter = 0;
};

QString modeLabel(int inFlight)
{
    return inFlight == 1 ? QStringLiteral("seq") : QStringLiteral("pipe%1").arg(inFlight);
}

// The blocking form (proxy->echo(value)) in this thread, one call at a time.
Measure blockingCallMeasure(const WireVariant &variant)
{
    Measure m;
    m.name = QStringLiteral("services_echo_%1_seq_blocking").arg(QLatin1String(variant.name));
    m.metric = QStringLiteral("calls_per_s");
    m.description = QStringLiteral("proxy->echo(int) -> int, the blocking form (a local event loop until the answer), "
                                   "%1, one call at a time, each from a queued invocation")
                        .arg(QLatin1String(variant.subprotocol));
    m.run = [variant] {
        QString error;
        const quint16 port = serverPort(QStringLiteral("services"), &error);
        if (!port)
            return failed(error);
        return runWorkload([&] {
            return std::make_unique<ServiceCallWorkload>(port, variant, ServiceCallWorkload::Form::Blocking);
        }, 1);
    };
    return m;
}

Measure serviceCallMeasure(const WireVariant &variant, int inFlight)
{
    Measure m;
    m.name = QStringLiteral("services_echo_%1_%2").arg(QLatin1String(variant.name), modeLabel(inFlight));
    m.metric = QStringLiteral("calls_per_s");
    m.description = QStringLiteral("IBenchCallsAsync(proxy).echo(int) -> QFuture<Reply<int>> (generated proxy, "
                                   "Shared service, InstanceThread), %1, %2")
                        .arg(QLatin1String(variant.subprotocol),
                             inFlight == 1 ? QStringLiteral("one call in flight") : QStringLiteral("%1 calls in flight").arg(inFlight));
    m.run = [variant, inFlight] {
        QString error;
        const quint16 port = serverPort(QStringLiteral("services"), &error);
        if (!port)
            return failed(error);
        return runWorkload([&] { return std::make_unique<ServiceCallWorkload>(port, variant); }, inFlight);
    };
    return m;
}

// --- One-way callbacks to one client ---------------------------------------------------------

constexpr int CallbackBurst = 10000;

struct FeedState
{
    std::unique_ptr<ServiceClient> connection;
    QSharedPointer<TickReceiver> ticks;
    std::optional<IBenchFeedAsync> feed;
    DeliveryCounter counter;
    qint64 serverPid = -1;

    void clear()
    {
        feed.reset();
        connection.reset();
        ticks.reset();
    }
};

Measure callbackMeasure(bool batching)
{
    auto state = std::make_shared<FeedState>();
    const QString kind = batching ? QStringLiteral("services") : QStringLiteral("services-nobatch");
    Measure m;
    m.name = batching ? QStringLiteral("services_callbacks_batched") : QStringLiteral("services_callbacks_unbatched");
    m.metric = QStringLiteral("callbacks_per_s");
    m.description = QStringLiteral("IBenchFeed.burst(%1) (PerConnection service) calls the client's IBenchTicks::tick(int) "
                                   "proxy %1 times in a loop; four bursts in flight; burrow-binary.v1; server batchDelay %2")
                        .arg(CallbackBurst)
                        .arg(batching ? QStringLiteral("1 ms (default)") : QStringLiteral("-1 (off)"));
    m.setUp = [state, kind](QString *error) {
        const quint16 port = serverPort(kind, error);
        if (!port)
            return false;
        state->serverPid = currentServerPid() > 0 ? currentServerPid() : -1;
        state->connection = std::make_unique<ServiceClient>();
        state->connection->client.connectToServer(wsUrl(port));
        if (!state->connection->client.waitForConnected(10000)) {
            *error = state->connection->client.errorString();
            state->clear();
            return false;
        }
        IBenchFeed *feed = state->connection->services.resolve<IBenchFeed>(error);
        if (!feed) {
            state->clear();
            return false;
        }
        state->ticks = QSharedPointer<TickReceiver>::create(&state->counter);
        feed->subscribe(state->ticks);
        if (Burrow::lastCallError().isError()) {
            *error = Burrow::lastCallError().message();
            state->clear();
            return false;
        }
        state->feed.emplace(feed);
        return true;
    };
    m.tearDown = [state] { state->clear(); };
    m.run = [state] {
        FeedState *s = state.get();
        if (!s->feed)
            return failed(QStringLiteral("not set up"));
        return runBursts(s->counter, CallbackBurst, [s] {
            s->feed->burst(CallbackBurst).then(QtFuture::Launch::Sync, [s](const Burrow::Reply<void> &reply) {
                if (reply.hasError())
                    s->counter.fail(QStringLiteral("burst(): %1").arg(reply.errorString()));
            });
        }, s->serverPid);
    };
    return m;
}

// --- One publisher, many subscriber connections ----------------------------------------------

struct Subscriber
{
    ServiceClient connection;
    QSharedPointer<TickReceiver> ticks;
    IBenchPublisher *publisher = nullptr;
};

struct PublisherState
{
    std::vector<std::unique_ptr<Subscriber>> subscribers;
    std::optional<IBenchPublisherAsync> publisher; // through subscriber 0
    DeliveryCounter counter;
    qint64 serverPid = -1;
    int subscribed = 0;
    QString setUpError;

    void clear()
    {
        publisher.reset();
        subscribers.clear();
        subscribed = 0;
    }
};

Measure fanoutMeasure(int subscriberCount)
{
    auto state = std::make_shared<PublisherState>();
    Measure m;
    m.name = QStringLiteral("services_fanout_%1").arg(subscriberCount);
    m.metric = QStringLiteral("deliveries_per_s");
    m.description = QStringLiteral("IBenchPublisher.publish(n) (Shared service, server process) calls tick(int) on the "
                                   "callback proxies of %1 subscribers in this process (one Client and WebSocket each, "
                                   "burrow-binary.v1, batching on); bursts of about 100,000 deliveries, four in flight")
                        .arg(subscriberCount);
    m.setUp = [state, subscriberCount](QString *error) {
        PublisherState *s = state.get();
        const quint16 port = serverPort(QStringLiteral("services"), error);
        if (!port)
            return false;
        s->serverPid = currentServerPid() > 0 ? currentServerPid() : -1;
        s->setUpError.clear();
        auto fail = [s, error](const QString &message) {
            *error = message;
            s->clear();
            return false;
        };
        // In batches, so that the listen backlog never overflows (as for the QtRO replicas).
        constexpr int Batch = 100;
        while (int(s->subscribers.size()) < subscriberCount) {
            const int first = int(s->subscribers.size());
            const int target = std::min(subscriberCount, first + Batch);
            for (int i = first; i < target; ++i) {
                auto subscriber = std::make_unique<Subscriber>();
                subscriber->connection.client.connectToServer(wsUrl(port));
                s->subscribers.push_back(std::move(subscriber));
            }
            const bool connected = waitUntil([&] {
                for (int i = first; i < target; ++i) {
                    if (s->subscribers[i]->connection.client.state() != Burrow::Client::State::Connected)
                        return false;
                }
                return true;
            }, 30000);
            if (!connected)
                return fail(QStringLiteral("not all of subscribers %1-%2 connected").arg(first).arg(target - 1));
            for (int i = first; i < target; ++i) {
                Subscriber *subscriber = s->subscribers[i].get();
                QString resolveError;
                subscriber->publisher = subscriber->connection.services.resolve<IBenchPublisher>(&resolveError);
                if (!subscriber->publisher)
                    return fail(resolveError);
                subscriber->ticks = QSharedPointer<TickReceiver>::create(&s->counter);
                IBenchPublisherAsync(subscriber->publisher).subscribe(subscriber->ticks)
                        .then(QtFuture::Launch::Sync, [s](const Burrow::Reply<int> &reply) {
                            if (reply.hasError())
                                s->setUpError = reply.errorString();
                            else
                                ++s->subscribed;
                        });
            }
            if (!waitUntil([&] { return s->subscribed >= target || !s->setUpError.isEmpty(); }, 30000) || !s->setUpError.isEmpty())
                return fail(QStringLiteral("subscribe: %1 of %2 (%3)").arg(s->subscribed).arg(target).arg(s->setUpError));
        }
        // The subscribers of an earlier run are dropped by the server when it learns that their
        // connections closed: wait for that, so that every delivery counted is one sent here.
        IBenchPublisher *publisher = s->subscribers.front()->publisher;
        int count = 0;
        const bool settled = waitUntil([&] {
            count = publisher->subscriberCount();
            return count == subscriberCount;
        }, 30000);
        if (!settled)
            return fail(QStringLiteral("the publisher has %1 subscribers, expected %2").arg(count).arg(subscriberCount));
        s->publisher.emplace(publisher);
        return true;
    };
    m.tearDown = [state] { state->clear(); };
    m.run = [state] {
        PublisherState *s = state.get();
        const qint64 subscribers = qint64(s->subscribers.size());
        if (subscribers == 0 || !s->publisher)
            return failed(QStringLiteral("no subscribers"));
        const int perBurst = options().fanoutBurst > 0 ? options().fanoutBurst : int(std::max<qint64>(1, 100000 / subscribers));
        return runBursts(s->counter, perBurst * subscribers, [s, perBurst] {
            s->publisher->publish(perBurst).then(QtFuture::Launch::Sync, [s](const Burrow::Reply<void> &reply) {
                if (reply.hasError())
                    s->counter.fail(QStringLiteral("publish(): %1").arg(reply.errorString()));
            });
        }, s->serverPid);
    };
    return m;
}

// Moves a measure's set-up and tear-down into each of its runs, so that the 1,000 connections
// of a fan-out measure are not open while its baseline runs (and the reverse): both then run
// with the same number of sockets in this process.
Measure setUpEachRun(Measure m)
{
    auto setUp = std::move(m.setUp);
    auto tearDown = std::move(m.tearDown);
    m.setUp = nullptr;
    m.tearDown = nullptr;
    m.run = [setUp, tearDown, run = std::move(m.run)] {
        QString error;
        if (setUp && !setUp(&error))
            return failed(QStringLiteral("set-up: %1").arg(error));
        const RunResult result = run();
        if (tearDown)
            tearDown();
        // Closing handshakes and deferred deletions happen before the next run.
        waitUntil([] { return false; }, 500);
        return result;
    };
    return m;
}

} // namespace

void registerServicesScenarios()
{
    registerServer(QStringLiteral("services"), [](QObject *owner, QString *error) { return serveServices(owner, error, true); });
    registerServer(QStringLiteral("services-nobatch"), [](QObject *owner, QString *error) { return serveServices(owner, error, false); });

    // Sequential: >= 85 % of raw QWebSocket echo and >= 1x Qt Remote Objects.
    {
        Group group;
        group.title = QStringLiteral("Services: small method (int -> int), sequential");
        const Measure raw = rawWebSocketEchoMeasure(64, 1);
        const Measure qtro = qtroCallMeasure(1);
        group.measures << raw << qtro;
        for (const WireVariant &variant : {Binary, Json}) {
            Measure m = compared(serviceCallMeasure(variant, 1), raw.name, 0.85);
            m.alsoCompareTo.append({QStringLiteral("ratio_vs_qtro"), qtro.name});
            m.alsoTargets.insert(QStringLiteral("ratio_vs_qtro"), 1.0);
            group.measures << m;
        }
        // For context, no target of its own: the blocking form of the same call.
        Measure blocking = blockingCallMeasure(Binary);
        blocking.alsoCompareTo.append({QStringLiteral("ratio_vs_raw"), raw.name});
        blocking.alsoCompareTo.append({QStringLiteral("ratio_vs_qtro"), qtro.name});
        group.measures << blocking;
        addGroup(group);
    }

    // 64 in flight: >= 50 % of pipelined raw echo, shown against QtRO pipelined.
    {
        constexpr int Pipelined = 64;
        Group group;
        group.title = QStringLiteral("Services: small method (int -> int), %1 in flight").arg(Pipelined);
        const Measure raw = rawWebSocketEchoMeasure(64, Pipelined);
        const Measure qtro = qtroCallMeasure(Pipelined);
        group.measures << raw << qtro;
        for (const WireVariant &variant : {Binary, Json}) {
            Measure m = compared(serviceCallMeasure(variant, Pipelined), raw.name, 0.5);
            m.alsoCompareTo.append({QStringLiteral("ratio_vs_qtro"), qtro.name});
            group.measures << m;
        }
        addGroup(group);
    }

    // One-way callbacks to one client: batching >= 5x no batching.
    {
        Group group;
        group.title = QStringLiteral("Services: one-way callbacks to one client, batching vs not");
        const Measure unbatched = callbackMeasure(false);
        group.measures << unbatched << compared(callbackMeasure(true), unbatched.name, 5.0);
        addGroup(group);
    }

    // One publisher to 1,000 subscriber connections: >= 1x QtRO's signal fan-out.
    {
        Group group;
        group.title = QStringLiteral("Services: one publisher to %1 subscriber connections").arg(options().fanoutReplicas);
        const Measure qtro = setUpEachRun(qtroFanoutMeasure(options().fanoutReplicas));
        group.measures << qtro << setUpEachRun(compared(fanoutMeasure(options().fanoutReplicas), qtro.name, 1.0));
        addGroup(group);
    }
}

} // namespace BurrowBench

#include "services_scenarios.moc"
