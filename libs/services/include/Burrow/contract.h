#pragma once

#include <Burrow/servicesglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QCborArray>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QSharedPointer>
#include <QtCore/QString>

#include <initializer_list>
#include <memory>

// A contract is an abstract QObject class, shared by client and server, whose Q_INVOKABLE pure
// virtual methods are the operations of one interface:
//
//     class IChatService : public QObject {
//         Q_OBJECT
//         Q_CLASSINFO("BurrowInterface", "Chat")
//         BURROW_CONTRACT
//     public:
//         using QObject::QObject;
//         Q_INVOKABLE virtual void join(const QString &pseudo, QSharedPointer<IChatCallback> callback) = 0;
//     };
//
// burrow_add_contracts() (BurrowMacros.cmake) runs the contract generator on the header; the
// generated code defines burrowContract(), the remote proxy and the typed dispatcher.
#define BURROW_CONTRACT \
public: \
    static const ::Burrow::ContractInfo &burrowContract(); \
private:

namespace Burrow {

class CallContext;
class ContractInfoPrivate;

namespace Private {
struct CallOutcome;
class RemoteBinding;
// What the generator knows about one method at compile time.
struct MethodDescription
{
    const char *name;
    bool returnsVoid;
    quint32 callbackParameters; // bit i set: parameter i is a QSharedPointer<Contract>
};
} // namespace Private

// One operation of a contract.
class BURROW_SERVICES_EXPORT ContractMethod
{
public:
    QString name() const { return m_name; }
    // Index in the contract's QMetaObject (QMetaObject::method()).
    int metaMethodIndex() const { return m_metaMethodIndex; }
    bool returnsVoid() const { return m_returnsVoid; }
    int parameterCount() const { return int(m_parameterNames.size()); }
    QList<QByteArray> parameterNames() const { return m_parameterNames; }
    QList<QByteArray> parameterTypes() const { return m_parameterTypes; }
    QByteArray returnType() const { return m_returnType; }
    bool isCallbackParameter(int index) const
    {
        return index >= 0 && index < 32 && (m_callbackParameters & (1u << index));
    }
    bool hasCallbackParameters() const { return m_callbackParameters != 0; }
    // "name(Type1,Type2)->ReturnType", as in the contract hash.
    QByteArray signature() const;

private:
    friend class ContractInfo;
    friend class ContractInfoPrivate;
    QString m_name;
    int m_metaMethodIndex = -1;
    bool m_returnsVoid = true;
    quint32 m_callbackParameters = 0;
    QList<QByteArray> m_parameterNames;
    QList<QByteArray> m_parameterTypes;
    QByteArray m_returnType;
};

// Describes one contract: its interface name, methods and hash, and gives access to the
// generated remote proxy and dispatcher. One static instance per contract, returned by
// Contract::burrowContract().
class BURROW_SERVICES_EXPORT ContractInfo
{
    Q_DISABLE_COPY_MOVE(ContractInfo)
public:
    using ProxyFactory = QObject *(*)(std::shared_ptr<Private::RemoteBinding> binding);
    using Dispatcher = Private::CallOutcome (*)(QObject *implementation, int method,
                                                const QCborArray &arguments, CallContext &context);

    // Called by generated code.
    ContractInfo(const QString &interfaceName, const QMetaObject *metaObject, const QByteArray &hash,
                 std::initializer_list<Private::MethodDescription> methods, ProxyFactory proxyFactory,
                 Dispatcher dispatcher);
    ~ContractInfo();

    QString interfaceName() const;
    const QMetaObject *metaObject() const;
    // Lower-case hex SHA-256 of canonicalText(); equal hashes mean equal method lists.
    QByteArray hash() const;
    QList<ContractMethod> methods() const;
    int methodCount() const;
    const ContractMethod &method(int index) const;
    // -1 when there is no method of that name.
    int indexOfMethod(QStringView name) const;

    // A new remote proxy (an instance of the contract class) calling through binding.
    QObject *createRemoteProxy(std::shared_ptr<Private::RemoteBinding> binding) const;
    // Unmarshals arguments, calls method `method` on implementation (an instance of the
    // contract class), marshals the result. Never throws.
    Private::CallOutcome invoke(QObject *implementation, int method, const QCborArray &arguments,
                                CallContext &context) const;

    // The canonical text the hash is computed from: the interface name, then one line per
    // Q_INVOKABLE method in declaration order, "name(Type1,Type2)->ReturnType", with the types
    // as moc normalizes them.
    static QByteArray canonicalText(const QString &interfaceName, const QMetaObject *metaObject);
    static QByteArray computeHash(const QString &interfaceName, const QMetaObject *metaObject);

private:
    std::unique_ptr<ContractInfoPrivate> d;
};

} // namespace Burrow
