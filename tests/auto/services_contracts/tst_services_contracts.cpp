// Contracts without a network: the generator's output (hashes, method tables, refusals), the
// typed dispatcher, remote proxies over an in-process loopback binding, and in-process calls
// (direct and through the generated Async wrappers).

#include <QtTest/QtTest>

#include <Burrow/contractsupport.h>

#include "alltypes_burrow.h"
#include "chat_burrow.h"
#include "longwork_burrow.h"
#include "probe_burrow.h"
#include "probemismatch_burrow.h"
#include "testservices.h"
#include "typesexercise.h"

#include <QtCore/QCborMap>
#include <QtCore/QCryptographicHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>

using namespace Burrow;
using namespace TestContracts;

namespace {

// A RemoteBinding that dispatches straight into a local implementation, optionally through
// JSON (what the JSON subprotocol does to every value): proxy marshalling -> dispatcher ->
// unmarshalling, with no transport.
class LoopbackBinding final : public Private::RemoteBinding
{
public:
    LoopbackBinding(const ContractInfo &contract, QObject *implementation, bool throughJson)
        : RemoteBinding(contract), m_implementation(implementation), m_throughJson(throughJson)
    {
    }

    Private::CallOutcome call(int method, const QCborArray &arguments) override
    {
        ++calls;
        QCborArray sent = arguments;
        if (m_throughJson)
            sent = QCborArray::fromJsonArray(sent.toJsonArray());
        CallContext context(nullptr, contract().interfaceName(), contract().method(method).name());
        Private::CallOutcome outcome = contract().invoke(m_implementation, method, sent, context);
        if (m_throughJson && !outcome.error.isError())
            outcome.result = QCborValue::fromJsonValue(outcome.result.toJsonValue());
        return outcome;
    }

    QFuture<Private::CallOutcome> callAsync(int method, const QCborArray &arguments) override
    {
        QPromise<Private::CallOutcome> promise;
        promise.start();
        promise.addResult(call(method, arguments));
        promise.finish();
        return promise.future();
    }

    int calls = 0;

private:
    QObject *m_implementation;
    bool m_throughJson;
};

template<typename Contract>
std::unique_ptr<Contract> loopbackProxy(QObject *implementation, bool throughJson,
                                        std::shared_ptr<LoopbackBinding> *binding = nullptr)
{
    auto loopback = std::make_shared<LoopbackBinding>(Contract::burrowContract(), implementation, throughJson);
    if (binding)
        *binding = loopback;
    return std::unique_ptr<Contract>(static_cast<Contract *>(Contract::burrowContract().createRemoteProxy(loopback)));
}

QByteArray sha256Hex(const QByteArray &text)
{
    return QCryptographicHash::hash(text, QCryptographicHash::Sha256).toHex();
}

// A moc --output-json document with one contract class.
QJsonDocument mocJson(const QString &interfaceName, const QJsonArray &methods)
{
    QJsonObject cls{{QStringLiteral("className"), QStringLiteral("IThing")},
                    {QStringLiteral("qualifiedClassName"), QStringLiteral("IThing")},
                    {QStringLiteral("object"), true},
                    {QStringLiteral("classInfos"),
                     QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("BurrowInterface")},
                                            {QStringLiteral("value"), interfaceName}}}},
                    {QStringLiteral("methods"), methods}};
    return QJsonDocument(QJsonObject{{QStringLiteral("classes"), QJsonArray{cls}},
                                     {QStringLiteral("inputFile"), QStringLiteral("thing.h")},
                                     {QStringLiteral("outputRevision"), 68}});
}

QJsonObject mocMethod(const QString &name, const QString &returnType, const QStringList &types,
                      const QString &access = QStringLiteral("public"))
{
    QJsonArray arguments;
    for (int i = 0; i < types.size(); ++i) {
        arguments.append(QJsonObject{{QStringLiteral("name"), QStringLiteral("p%1").arg(i)},
                                     {QStringLiteral("type"), types.at(i)}});
    }
    QJsonObject method{{QStringLiteral("name"), name},
                       {QStringLiteral("returnType"), returnType},
                       {QStringLiteral("access"), access}};
    if (!arguments.isEmpty())
        method.insert(QStringLiteral("arguments"), arguments);
    return method;
}

struct GeneratorRun
{
    int exitCode = -1;
    QByteArray output;
    QByteArray errors;
};

GeneratorRun runGenerator(const QJsonDocument &json, const QStringList &extraArguments)
{
    static QTemporaryDir directory;
    static int counter = 0;
    const QString input = directory.filePath(QStringLiteral("input%1.json").arg(++counter));
    QFile file(input);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(json.toJson());
    file.close();
    QProcess process;
    process.start(QStringLiteral(BURROW_CONTRACTGEN), QStringList{input} + extraArguments);
    if (!process.waitForFinished(30000))
        return {};
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

QByteArray generatorHash(const QJsonDocument &json)
{
    const GeneratorRun run = runGenerator(json, {QStringLiteral("--print-hashes")});
    if (run.exitCode != 0)
        return QByteArray("failed: ") + run.errors;
    return run.output.trimmed().split(' ').value(1);
}

const ContractInfo *allContracts[] = {
    &ILongWorkService::burrowContract(), &ILongWorkCallback::burrowContract(),
    &IChatService::burrowContract(),     &IChatCallback::burrowContract(),
    &ITypesService::burrowContract(),    &IProbeService::burrowContract(),
    &IQuestionCallback::burrowContract(), &IProbeServiceV2::burrowContract(),
};

} // namespace

class tst_ServicesContracts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void hashIsTheCanonicalText();
    void generatedHashMatchesMetaObject();
    void hashChangesWithTheMethods();
    void generatorAgreesWithRuntime();
    void generatorRefusals_data();
    void generatorRefusals();
    void methodTable();
    void proxyIsAnInstanceOfTheContract();

    void inProcessAllTypes();
    void loopbackAllTypes_data();
    void loopbackAllTypes();

    void dispatcherErrors();
    void dispatcherRefusesCallbacksWithoutResolver();
    void throwingImplementationThroughProxy();

    void asyncLocalSameThread();
    void asyncLocalOtherThread();
    void asyncLocalErrors();
    void asyncThroughProxy();
};

void tst_ServicesContracts::hashIsTheCanonicalText()
{
    // Stable by definition: the hash of this exact text. If this test fails, the hash of every
    // deployed contract changed and clients/servers of different builds stop resolving.
    const QByteArray text = "LongWork\n"
                            "startWork(QString,QSharedPointer<ILongWorkCallback>)->void\n"
                            "totalWorkCount()->int\n";
    const ContractInfo &contract = ILongWorkService::burrowContract();
    QCOMPARE(ContractInfo::canonicalText(QStringLiteral("LongWork"), contract.metaObject()), text);
    QCOMPARE(contract.hash(), sha256Hex(text));
    QCOMPARE(contract.interfaceName(), QStringLiteral("LongWork"));
    QCOMPARE(IChatCallback::burrowContract().hash(),
             sha256Hex("ChatCallback\nblaBla(QString,QString)->void\n"));
}

void tst_ServicesContracts::generatedHashMatchesMetaObject()
{
    for (const ContractInfo *contract : allContracts) {
        QVERIFY2(contract->hash() == ContractInfo::computeHash(contract->interfaceName(), contract->metaObject()),
                 qPrintable(contract->interfaceName()));
        QCOMPARE(contract->hash().size(), 64);
    }
}

void tst_ServicesContracts::hashChangesWithTheMethods()
{
    QCOMPARE(IProbeService::burrowContract().interfaceName(), IProbeServiceV2::burrowContract().interfaceName());
    QVERIFY(IProbeService::burrowContract().hash() != IProbeServiceV2::burrowContract().hash());

    const QJsonArray base{mocMethod(QStringLiteral("startWork"), QStringLiteral("void"),
                                    {QStringLiteral("QString"), QStringLiteral("QSharedPointer<ILongWorkCallback>")}),
                          mocMethod(QStringLiteral("totalWorkCount"), QStringLiteral("int"), {})};
    const QByteArray baseHash = generatorHash(mocJson(QStringLiteral("LongWork"), base));
    QCOMPARE(baseHash, ILongWorkService::burrowContract().hash());
    // Stable: the same input gives the same hash.
    QCOMPARE(generatorHash(mocJson(QStringLiteral("LongWork"), base)), baseHash);

    QJsonArray changedType = base;
    changedType[0] = mocMethod(QStringLiteral("startWork"), QStringLiteral("void"),
                               {QStringLiteral("QByteArray"), QStringLiteral("QSharedPointer<ILongWorkCallback>")});
    QJsonArray changedReturn = base;
    changedReturn[1] = mocMethod(QStringLiteral("totalWorkCount"), QStringLiteral("qint64"), {});
    QJsonArray renamed = base;
    renamed[1] = mocMethod(QStringLiteral("workCount"), QStringLiteral("int"), {});
    const QJsonArray reordered{base[1], base[0]};
    QJsonArray added = base;
    added.append(mocMethod(QStringLiteral("cancel"), QStringLiteral("void"), {QStringLiteral("QString")}));

    QSet<QByteArray> hashes{baseHash};
    for (const QJsonArray &variant : {changedType, changedReturn, renamed, reordered, added}) {
        const QByteArray hash = generatorHash(mocJson(QStringLiteral("LongWork"), variant));
        QCOMPARE(hash.size(), 64);
        QVERIFY2(!hashes.contains(hash), hash.constData());
        hashes.insert(hash);
    }
    // The interface name is part of the hash too.
    QVERIFY(generatorHash(mocJson(QStringLiteral("LongWork2"), base)) != baseHash);
}

void tst_ServicesContracts::generatorAgreesWithRuntime()
{
    // The generated hashes (computed from moc's JSON at build time) equal the runtime ones
    // (computed from the QMetaObject) for every test contract: checked above; here the generator
    // output for a contract with a callback and the sample's method table.
    const GeneratorRun run = runGenerator(mocJson(QStringLiteral("Thing"),
                                                  QJsonArray{mocMethod(QStringLiteral("a"), QStringLiteral("void"), {})}),
                                          {QStringLiteral("-o"), QDir::temp().filePath(QStringLiteral("burrow_thing.cpp")),
                                           QStringLiteral("--header"), QDir::temp().filePath(QStringLiteral("burrow_thing.h")),
                                           QStringLiteral("--include"), QStringLiteral("thing.h")});
    QCOMPARE(run.exitCode, 0);
    QFile source(QDir::temp().filePath(QStringLiteral("burrow_thing.cpp")));
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QByteArray code = source.readAll();
    QVERIFY(code.contains("IThing::burrowContract()"));
    QVERIFY(code.contains("final : public ::IThing, public Burrow::Private::RemoteProxyBase"));
    QFile header(QDir::temp().filePath(QStringLiteral("burrow_thing.h")));
    QVERIFY(header.open(QIODevice::ReadOnly));
    QVERIFY(header.readAll().contains("class IThingAsync"));
}

void tst_ServicesContracts::generatorRefusals_data()
{
    QTest::addColumn<QJsonDocument>("json");
    QTest::addColumn<QString>("expected");

    QTest::newRow("overloaded") << mocJson(QStringLiteral("Thing"),
                                           QJsonArray{mocMethod(QStringLiteral("over"), QStringLiteral("int"), {QStringLiteral("int")}),
                                                      mocMethod(QStringLiteral("over"), QStringLiteral("int"),
                                                                {QStringLiteral("int"), QStringLiteral("int")})})
                                << QStringLiteral("method 'over' is overloaded");
    QStringList eleven;
    for (int i = 0; i < 11; ++i)
        eleven.append(QStringLiteral("int"));
    QTest::newRow("eleven parameters") << mocJson(QStringLiteral("Thing"),
                                                  QJsonArray{mocMethod(QStringLiteral("many"), QStringLiteral("void"), eleven)})
                                       << QStringLiteral("has 11 parameters; a contract method may have at most 10");
    QTest::newRow("reserved name") << mocJson(QStringLiteral("burrow"), QJsonArray{})
                                   << QStringLiteral("reserved");
    QTest::newRow("invalid name") << mocJson(QStringLiteral("has space"), QJsonArray{})
                                  << QStringLiteral("invalid interface name");
    QTest::newRow("protected method") << mocJson(QStringLiteral("Thing"),
                                                 QJsonArray{mocMethod(QStringLiteral("hidden"), QStringLiteral("void"), {},
                                                                      QStringLiteral("protected"))})
                                      << QStringLiteral("must be public");
}

void tst_ServicesContracts::generatorRefusals()
{
    QFETCH(QJsonDocument, json);
    QFETCH(QString, expected);
    const GeneratorRun run = runGenerator(json, {QStringLiteral("--print-hashes")});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(QString::fromUtf8(run.errors).contains(expected), run.errors.constData());
    QVERIFY(run.errors.contains("class IThing"));
}

void tst_ServicesContracts::methodTable()
{
    const ContractInfo &contract = ILongWorkService::burrowContract();
    QCOMPARE(contract.methodCount(), 2);
    QCOMPARE(contract.indexOfMethod(u"startWork"), 0);
    QCOMPARE(contract.indexOfMethod(u"totalWorkCount"), 1);
    QCOMPARE(contract.indexOfMethod(u"nothing"), -1);

    const ContractMethod startWork = contract.method(0);
    QCOMPARE(startWork.name(), QStringLiteral("startWork"));
    QVERIFY(startWork.returnsVoid());
    QCOMPARE(startWork.parameterCount(), 2);
    QCOMPARE(startWork.parameterNames(), (QList<QByteArray>{"workName", "onFinish"}));
    QVERIFY(!startWork.isCallbackParameter(0));
    QVERIFY(startWork.isCallbackParameter(1));
    QVERIFY(startWork.hasCallbackParameters());
    QCOMPARE(contract.metaObject()->method(startWork.metaMethodIndex()).name(), QByteArray("startWork"));

    const ContractMethod total = contract.method(1);
    QVERIFY(!total.returnsVoid());
    QCOMPARE(total.returnType(), QByteArray("int"));
    QVERIFY(!total.hasCallbackParameters());
    QCOMPARE(total.signature(), QByteArray("totalWorkCount()->int"));

    QCOMPARE(ITypesService::burrowContract().methodCount(), 25);
    QCOMPARE(ITypesService::burrowContract().method(ITypesService::burrowContract().indexOfMethod(u"sumTen")).parameterCount(), 10);
}

void tst_ServicesContracts::proxyIsAnInstanceOfTheContract()
{
    TypesService local;
    auto proxy = loopbackProxy<ITypesService>(&local, false);
    QVERIFY(qobject_cast<ITypesService *>(proxy.get()));
    QCOMPARE(proxy->metaObject(), &ITypesService::staticMetaObject);
    QVERIFY(Private::remoteProxyOf(proxy.get()));
    QVERIFY(!Private::remoteProxyOf(&local));
}

void tst_ServicesContracts::inProcessAllTypes()
{
    TypesService local;
    QVariantList results;
    Private::setLastCallError({});
    const QStringList failures = exerciseTypes(&local, &results);
    QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QLatin1Char('\n'))));
    QVERIFY(results.size() > 50);
}

void tst_ServicesContracts::loopbackAllTypes_data()
{
    QTest::addColumn<bool>("throughJson");
    QTest::newRow("cbor") << false;
    QTest::newRow("json") << true;
}

void tst_ServicesContracts::loopbackAllTypes()
{
    QFETCH(bool, throughJson);
    TypesService local;
    std::shared_ptr<LoopbackBinding> binding;
    auto proxy = loopbackProxy<ITypesService>(&local, throughJson, &binding);

    QVariantList localResults;
    QVERIFY(exerciseTypes(&local, &localResults).isEmpty());
    QVariantList remoteResults;
    const QStringList failures = exerciseTypes(proxy.get(), &remoteResults);
    QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QLatin1Char('\n'))));
    QVERIFY(binding->calls > 50);
    // The same client function gives the same results in-process and through a proxy.
    QCOMPARE(remoteResults.size(), localResults.size());
    for (qsizetype i = 0; i < localResults.size(); ++i)
        QVERIFY2(remoteResults.at(i) == localResults.at(i), qPrintable(QString::number(i)));
}

void tst_ServicesContracts::dispatcherErrors()
{
    TypesService local;
    const ContractInfo &contract = ITypesService::burrowContract();
    CallContext context;
    const int echoInt32 = contract.indexOfMethod(u"echoInt32");

    Private::CallOutcome outcome = contract.invoke(&local, echoInt32, QCborArray{41}, context);
    QVERIFY(!outcome.error.isError());
    QCOMPARE(outcome.result.toInteger(), 41);

    outcome = contract.invoke(&local, echoInt32, QCborArray{1, 2}, context);
    QCOMPARE(outcome.error.code(), ErrorCode::InvalidArguments);
    QVERIFY2(outcome.error.message().contains(QLatin1String("Types.echoInt32 takes 1 argument(s), got 2")),
             qPrintable(outcome.error.message()));

    outcome = contract.invoke(&local, echoInt32, QCborArray{QStringLiteral("forty")}, context);
    QCOMPARE(outcome.error.code(), ErrorCode::InvalidArguments);
    QVERIFY2(outcome.error.message().contains(QLatin1String("parameter 1 'value' (int)")),
             qPrintable(outcome.error.message()));

    outcome = contract.invoke(&local, contract.indexOfMethod(u"echoUInt8"), QCborArray{300}, context);
    QCOMPARE(outcome.error.code(), ErrorCode::InvalidArguments);

    outcome = contract.invoke(&local, contract.indexOfMethod(u"fail"), QCborArray{QStringLiteral("broken on purpose")}, context);
    QCOMPARE(outcome.error.code(), ErrorCode::ImplementationError);
    QVERIFY2(outcome.error.message().contains(QLatin1String("Types.fail failed: broken on purpose")),
             qPrintable(outcome.error.message()));

    outcome = contract.invoke(&local, 999, QCborArray{}, context);
    QCOMPARE(outcome.error.code(), ErrorCode::UnknownMethod);

    outcome = contract.invoke(&local, contract.indexOfMethod(u"doNothing"), QCborArray{}, context);
    QVERIFY(!outcome.error.isError());
}

void tst_ServicesContracts::dispatcherRefusesCallbacksWithoutResolver()
{
    LongWorkService local;
    const ContractInfo &contract = ILongWorkService::burrowContract();
    CallContext context;
    QCborMap callback;
    callback.insert(QStringLiteral("callback"), 1);
    callback.insert(QStringLiteral("interface"), QStringLiteral("LongWorkCallback"));
    const Private::CallOutcome outcome = contract.invoke(&local, 0, QCborArray{QStringLiteral("w"), callback}, context);
    QCOMPARE(outcome.error.code(), ErrorCode::NotSupported);
    QVERIFY2(outcome.error.message().contains(QLatin1String("'onFinish'")), qPrintable(outcome.error.message()));
    QCOMPARE(local.totalWorkCount(), 0);
}

void tst_ServicesContracts::throwingImplementationThroughProxy()
{
    TypesService local;
    auto proxy = loopbackProxy<ITypesService>(&local, false);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Types.fail failed")));
    QCOMPARE(proxy->fail(QStringLiteral("nope")), 0);
    QCOMPARE(lastCallError().code(), ErrorCode::ImplementationError);
    QVERIFY(lastCallError().message().contains(QLatin1String("nope")));
    // A successful call clears it.
    QCOMPARE(proxy->echoInt32(3), 3);
    QCOMPARE(lastCallError().code(), ErrorCode::NoError);
}

void tst_ServicesContracts::asyncLocalSameThread()
{
    TypesService local;
    ITypesServiceAsync async(&local);
    QFuture<Reply<QString>> future = async.echoString(QStringLiteral("here"));
    QVERIFY(future.isFinished());
    QVERIFY(!future.result().hasError());
    QCOMPARE(future.result().value(), QStringLiteral("here"));
    QFuture<Reply<Shape>> shape = async.makeShape(QStringLiteral("s"), 1, 2, 3);
    QCOMPARE(shape.result().value().points.size(), 3);
    QFuture<Reply<void>> nothing = async.doNothing();
    QVERIFY(nothing.isFinished());
    QVERIFY(!nothing.result().hasError());
}

void tst_ServicesContracts::asyncLocalOtherThread()
{
    QThread worker;
    worker.setObjectName(QStringLiteral("probe-worker"));
    worker.start();
    const auto stop = qScopeGuard([&worker] {
        worker.quit();
        worker.wait();
    });
    auto *probe = new ProbeService;
    probe->moveToThread(&worker);

    IProbeServiceAsync async(probe);
    QFuture<Reply<QString>> name = async.threadName();
    // Queued to the worker: the caller's thread is not blocked, the answer arrives later.
    QFutureWatcher<Reply<QString>> watcher;
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(name);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(name.result().value(), QStringLiteral("probe-worker"));

    // Continuations in the caller's thread, as a GUI would use them.
    QString seen;
    async.sleepAndCount(10).then(this, [&seen](const Reply<int> &reply) {
        seen = QStringLiteral("%1 in %2").arg(reply.value()).arg(
            QThread::currentThread() == qApp->thread() ? QStringLiteral("caller") : QStringLiteral("other"));
    });
    QTRY_COMPARE(seen, QStringLiteral("1 in caller"));

    QMetaObject::invokeMethod(probe, &QObject::deleteLater);
}

void tst_ServicesContracts::asyncLocalErrors()
{
    TypesService local;
    ITypesServiceAsync async(&local);
    const Reply<int> failed = async.fail(QStringLiteral("async failure")).result();
    QCOMPARE(failed.error(), ErrorCode::ImplementationError);
    QVERIFY(failed.errorString().contains(QLatin1String("async failure")));

    // The object is gone before a queued call can run: an error, not a canceled future.
    QThread worker;
    worker.start();
    auto *probe = new ProbeService;
    probe->moveToThread(&worker);
    IProbeServiceAsync probeAsync(probe);
    QMetaObject::invokeMethod(probe, [probe] { QThread::msleep(50); delete probe; });
    QFuture<Reply<int>> late = probeAsync.instanceNumber();
    late.waitForFinished();
    QVERIFY(!late.isCanceled());
    QCOMPARE(late.result().error(), ErrorCode::Unavailable);
    worker.quit();
    worker.wait();

    IProbeServiceAsync gone(nullptr);
    QCOMPARE(gone.instanceNumber().result().error(), ErrorCode::Unavailable);
}

void tst_ServicesContracts::asyncThroughProxy()
{
    TypesService local;
    auto proxy = loopbackProxy<ITypesService>(&local, true);
    ITypesServiceAsync async(proxy.get());
    const Reply<Shape> shape = async.echoShape(sampleShape()).result();
    QVERIFY(!shape.hasError());
    QCOMPARE(shape.value(), sampleShape());
    const Reply<int> failed = async.fail(QStringLiteral("x")).result();
    QCOMPARE(failed.error(), ErrorCode::ImplementationError);
}

QTEST_GUILESS_MAIN(tst_ServicesContracts)
#include "tst_services_contracts.moc"
