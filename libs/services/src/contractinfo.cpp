#include <Burrow/callcontext.h>
#include <Burrow/contract.h>
#include <Burrow/contractsupport.h>
#include <Burrow/reply.h>

#include "serviceslogging_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QMetaMethod>

namespace Burrow {

// ---- ContractInfo ---------------------------------------------------------------------------

class ContractInfoPrivate
{
public:
    QString interfaceName;
    const QMetaObject *metaObject = nullptr;
    QByteArray hash;
    QList<ContractMethod> methods;
    ContractInfo::ProxyFactory proxyFactory = nullptr;
    ContractInfo::Dispatcher dispatcher = nullptr;
};

namespace {

QList<QMetaMethod> contractMethods(const QMetaObject *metaObject)
{
    QList<QMetaMethod> methods;
    for (int i = metaObject->methodOffset(); i < metaObject->methodCount(); ++i) {
        const QMetaMethod method = metaObject->method(i);
        if (method.methodType() == QMetaMethod::Method && method.access() == QMetaMethod::Public)
            methods.append(method);
    }
    return methods;
}

QByteArray signatureOf(const QByteArray &name, const QList<QByteArray> &types, const QByteArray &returnType)
{
    QByteArray signature = name + '(';
    for (qsizetype i = 0; i < types.size(); ++i) {
        if (i)
            signature += ',';
        signature += types.at(i);
    }
    return signature + ")->" + returnType;
}

} // namespace

QByteArray ContractMethod::signature() const
{
    return signatureOf(m_name.toUtf8(), m_parameterTypes, m_returnType);
}

ContractInfo::ContractInfo(const QString &interfaceName, const QMetaObject *metaObject,
                           const QByteArray &hash,
                           std::initializer_list<Private::MethodDescription> methods,
                           ProxyFactory proxyFactory, Dispatcher dispatcher)
    : d(std::make_unique<ContractInfoPrivate>())
{
    d->interfaceName = interfaceName;
    d->metaObject = metaObject;
    d->hash = hash;
    d->proxyFactory = proxyFactory;
    d->dispatcher = dispatcher;

    const QList<QMetaMethod> metaMethods = contractMethods(metaObject);
    for (const Private::MethodDescription &description : methods) {
        ContractMethod method;
        method.m_name = QString::fromUtf8(description.name);
        method.m_returnsVoid = description.returnsVoid;
        method.m_callbackParameters = description.callbackParameters;
        for (const QMetaMethod &metaMethod : metaMethods) {
            if (metaMethod.name() == description.name) {
                method.m_metaMethodIndex = metaMethod.methodIndex();
                method.m_parameterNames = metaMethod.parameterNames();
                method.m_parameterTypes = metaMethod.parameterTypes();
                method.m_returnType = metaMethod.typeName();
                break;
            }
        }
        if (method.m_metaMethodIndex < 0) {
            qCWarning(lcServices, "contract %s: method %s is not a public Q_INVOKABLE of %s",
                      qPrintable(interfaceName), description.name, metaObject->className());
        }
        d->methods.append(method);
    }

    const QByteArray runtimeHash = computeHash(interfaceName, metaObject);
    if (runtimeHash != hash) {
        qCWarning(lcServices, "contract %s: the generated hash does not match %s's meta-object "
                              "(stale generated code?)", qPrintable(interfaceName), metaObject->className());
    }
}

ContractInfo::~ContractInfo() = default;

QString ContractInfo::interfaceName() const { return d->interfaceName; }
const QMetaObject *ContractInfo::metaObject() const { return d->metaObject; }
QByteArray ContractInfo::hash() const { return d->hash; }
QList<ContractMethod> ContractInfo::methods() const { return d->methods; }
int ContractInfo::methodCount() const { return int(d->methods.size()); }
const ContractMethod &ContractInfo::method(int index) const { return d->methods.at(index); }

int ContractInfo::indexOfMethod(QStringView name) const
{
    // A scan, not a QHash<QString>: Qt 6.4's QHash cannot look a QStringView up without copying
    // it into a QString (an allocation per call), and contracts have few methods, compared
    // size first. Names are unique (contractgen refuses overloads).
    for (qsizetype i = 0, n = d->methods.size(); i < n; ++i) {
        if (d->methods.at(i).m_name == name)
            return int(i);
    }
    return -1;
}

QObject *ContractInfo::createRemoteProxy(std::shared_ptr<Private::RemoteBinding> binding) const
{
    return d->proxyFactory(std::move(binding));
}

Private::CallOutcome ContractInfo::invoke(QObject *implementation, int method,
                                          const QCborArray &arguments, CallContext &context) const
{
    if (method < 0 || method >= methodCount())
        return Private::unknownMethod(*this, method);
    if (!implementation)
        return {QCborValue(), Private::serviceObjectGone(*this, method)};
    const CallContext::Scope scope(&context);
    return d->dispatcher(implementation, method, arguments, context);
}

QByteArray ContractInfo::canonicalText(const QString &interfaceName, const QMetaObject *metaObject)
{
    QByteArray text = interfaceName.toUtf8() + '\n';
    const QList<QMetaMethod> methods = contractMethods(metaObject);
    for (const QMetaMethod &method : methods)
        text += signatureOf(method.name(), method.parameterTypes(), method.typeName()) + '\n';
    return text;
}

QByteArray ContractInfo::computeHash(const QString &interfaceName, const QMetaObject *metaObject)
{
    return QCryptographicHash::hash(canonicalText(interfaceName, metaObject), QCryptographicHash::Sha256).toHex();
}

// ---- CallContext ----------------------------------------------------------------------------

namespace {
thread_local const CallContext *currentContext = nullptr;
thread_local CallError lastError;
} // namespace

CallContext::CallContext(Connection *connection, const QString &interfaceName,
                         const QString &methodName, Private::CallbackResolver *callbackResolver)
    : m_connection(connection), m_interfaceName(interfaceName), m_methodName(methodName),
      m_callbackResolver(callbackResolver)
{
}

const CallContext *CallContext::current()
{
    return currentContext;
}

CallContext::Scope::Scope(const CallContext *context) : m_previous(currentContext)
{
    currentContext = context;
}

CallContext::Scope::~Scope()
{
    currentContext = m_previous;
}

// ---- lastCallError --------------------------------------------------------------------------

CallError lastCallError()
{
    return lastError;
}

namespace Private {

void setLastCallError(const CallError &error)
{
    lastError = error;
}

// ---- error helpers --------------------------------------------------------------------------

namespace {
QString qualifiedMethodName(const ContractInfo &contract, int method)
{
    if (method >= 0 && method < contract.methodCount())
        return contract.interfaceName() + QLatin1Char('.') + contract.method(method).name();
    return contract.interfaceName() + QStringLiteral(".#%1").arg(method);
}

QString parameterName(const ContractInfo &contract, int method, int index)
{
    if (method >= 0 && method < contract.methodCount()) {
        const QList<QByteArray> names = contract.method(method).parameterNames();
        const QList<QByteArray> types = contract.method(method).parameterTypes();
        if (index >= 0 && index < names.size()) {
            return QStringLiteral("parameter %1 '%2' (%3)")
                .arg(index + 1)
                .arg(QString::fromUtf8(names.at(index)), QString::fromUtf8(types.value(index)));
        }
    }
    return QStringLiteral("parameter %1").arg(index + 1);
}
} // namespace

CallError argumentCountError(const ContractInfo &contract, int method, qsizetype given)
{
    const int expected = contract.method(method).parameterCount();
    return CallError(ErrorCode::InvalidArguments,
                     QStringLiteral("%1 takes %2 argument(s), got %3")
                         .arg(qualifiedMethodName(contract, method))
                         .arg(expected)
                         .arg(given));
}

CallError argumentError(const ContractInfo &contract, int method, int index, ErrorCode code,
                        const QString &detail)
{
    return CallError(code, QStringLiteral("%1: %2: %3")
                               .arg(qualifiedMethodName(contract, method),
                                    parameterName(contract, method, index), detail));
}

CallError resultError(const ContractInfo &contract, int method, const QString &detail)
{
    return CallError(ErrorCode::InvalidMessage,
                     QStringLiteral("%1: unexpected result: %2").arg(qualifiedMethodName(contract, method), detail));
}

CallError implementationError(const ContractInfo &contract, int method, const char *what)
{
    const QString reason = what ? QString::fromUtf8(what) : QStringLiteral("unknown exception");
    return CallError(ErrorCode::ImplementationError,
                     QStringLiteral("%1 failed: %2").arg(qualifiedMethodName(contract, method), reason));
}

CallOutcome unknownMethod(const ContractInfo &contract, int method)
{
    return {QCborValue(), CallError(ErrorCode::UnknownMethod,
                                    QStringLiteral("interface %1 has no method number %2")
                                        .arg(contract.interfaceName())
                                        .arg(method))};
}

CallError serviceObjectGone(const ContractInfo &contract, int method)
{
    return CallError(ErrorCode::Unavailable,
                     QStringLiteral("%1: the service object no longer exists").arg(qualifiedMethodName(contract, method)));
}

CallError callbacksNotAccepted()
{
    return CallError(ErrorCode::NotSupported,
                     QStringLiteral("callbacks cannot be passed here (only to services, over a WebSocket connection)"));
}

// ---- RemoteBinding, RemoteProxyBase, CallbackResolver ---------------------------------------

RemoteBinding::~RemoteBinding() = default;

CallError RemoteBinding::marshalCallback(QObject *, const ContractInfo &, int method, int parameter,
                                         QCborValue *)
{
    const CallError refused = callbacksNotAccepted();
    return argumentError(m_contract, method, parameter, refused.code(), refused.message());
}

void RemoteBinding::reportFailure(int method, const CallError &error) const
{
    setLastCallError(error);
    // Calling a callback whose client has gone is ordinary in publish/subscribe (a member who
    // just left is still listed until callbackReleased() runs): not worth a warning each time.
    if (error.code() == ErrorCode::CallbackReleased) {
        qCDebug(lcServices).noquote() << qualifiedMethodName(m_contract, method) << "did nothing:" << error.message();
        return;
    }
    qCWarning(lcServices).noquote() << qualifiedMethodName(m_contract, method) << "failed:"
                                    << errorCodeName(error.code()) << "-" << error.message();
}

RemoteProxyBase::RemoteProxyBase(std::shared_ptr<RemoteBinding> binding) : m_binding(std::move(binding)) {}

RemoteProxyBase::~RemoteProxyBase() = default;

RemoteProxyBase *remoteProxyOf(QObject *object)
{
    return dynamic_cast<RemoteProxyBase *>(object);
}

CallbackResolver::~CallbackResolver() = default;

} // namespace Private
} // namespace Burrow
