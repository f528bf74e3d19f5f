#pragma once

// Support for the code burrow-contractgen generates: type traits that read a contract method's
// signature from its member-function pointer, argument (un)marshalling, the remote call and the
// dispatcher templates. Not meant to be used directly; the API may change between versions.

#include <Burrow/callcontext.h>
#include <Burrow/contract.h>
#include <Burrow/marshal.h>
#include <Burrow/reply.h>

#include <QtCore/QCborArray>
#include <QtCore/QCborValue>
#include <QtCore/QFuture>
#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtCore/QSharedPointer>
#include <QtCore/QThread>

#include <concepts>
#include <exception>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

namespace Burrow::Private {

inline constexpr int maxContractParameters = 10;

struct CallOutcome
{
    QCborValue result;
    CallError error;
};

// --- signature traits ------------------------------------------------------------------------

template<typename F>
struct MethodTraits;

template<typename R, typename C, typename... A>
struct MethodTraits<R (C::*)(A...)>
{
    using Return = R;
    using Class = C;
    using Arguments = std::tuple<A...>;
    static constexpr std::size_t arity = sizeof...(A);
    static constexpr bool isConst = false;
};
template<typename R, typename C, typename... A>
struct MethodTraits<R (C::*)(A...) noexcept> : MethodTraits<R (C::*)(A...)> {};
template<typename R, typename C, typename... A>
struct MethodTraits<R (C::*)(A...) const> : MethodTraits<R (C::*)(A...)>
{
    static constexpr bool isConst = true;
};
template<typename R, typename C, typename... A>
struct MethodTraits<R (C::*)(A...) const noexcept> : MethodTraits<R (C::*)(A...) const> {};

// The exact declared types, so that generated overrides match the contract's signatures.
template<auto Method>
using ReturnOf = typename MethodTraits<decltype(Method)>::Return;
template<auto Method, std::size_t Index>
using ArgumentOf = std::tuple_element_t<Index, typename MethodTraits<decltype(Method)>::Arguments>;
template<auto Method>
inline constexpr bool isConstMethod = MethodTraits<decltype(Method)>::isConst;
// The value type carried by a Reply.
template<auto Method>
using ValueOf = std::remove_cvref_t<ReturnOf<Method>>;

template<typename T>
concept ContractClass = std::is_base_of_v<QObject, T> && requires {
    { T::burrowContract() } -> std::same_as<const ContractInfo &>;
};

template<typename T>
struct SharedPointerTraits
{
    static constexpr bool isSharedPointer = false;
    static constexpr bool isCallback = false;
};
template<typename C>
struct SharedPointerTraits<QSharedPointer<C>>
{
    using ContractType = C;
    static constexpr bool isSharedPointer = true;
    static constexpr bool isCallback = ContractClass<C>;
};

template<typename T>
inline constexpr bool isCallbackParameter = SharedPointerTraits<std::remove_cvref_t<T>>::isCallback;

template<auto Method, std::size_t... I>
constexpr quint32 callbackMask(std::index_sequence<I...>)
{
    return (0u | ... | (isCallbackParameter<ArgumentOf<Method, I>> ? (1u << I) : 0u));
}

template<auto Method>
constexpr MethodDescription describeMethod(const char *name)
{
    using Traits = MethodTraits<decltype(Method)>;
    static_assert(Traits::arity <= std::size_t(maxContractParameters),
                  "a contract method may have at most 10 parameters");
    static_assert(!Traits::isConst, "contract methods must not be const");
    static_assert(!std::is_reference_v<typename Traits::Return>,
                  "contract methods must return by value");
    static_assert(!SharedPointerTraits<std::remove_cvref_t<typename Traits::Return>>::isSharedPointer,
                  "a contract method cannot return a callback (QSharedPointer)");
    return {name, std::is_void_v<typename Traits::Return>,
            callbackMask<Method>(std::make_index_sequence<Traits::arity>{})};
}

// --- errors ----------------------------------------------------------------------------------

BURROW_SERVICES_EXPORT CallError argumentCountError(const ContractInfo &contract, int method,
                                                    qsizetype given);
// Prefixes an error about one argument with "Interface.method: parameter 'name'".
BURROW_SERVICES_EXPORT CallError argumentError(const ContractInfo &contract, int method, int index,
                                               ErrorCode code, const QString &detail);
BURROW_SERVICES_EXPORT CallError resultError(const ContractInfo &contract, int method,
                                             const QString &detail);
// what == nullptr: an exception not derived from std::exception.
BURROW_SERVICES_EXPORT CallError implementationError(const ContractInfo &contract, int method,
                                                     const char *what);
BURROW_SERVICES_EXPORT CallOutcome unknownMethod(const ContractInfo &contract, int method);
BURROW_SERVICES_EXPORT CallError serviceObjectGone(const ContractInfo &contract, int method);

// --- the remote side of a proxy --------------------------------------------------------------

// Carries a proxy's calls: to a service over a Client (client side) or to a callback over a
// Connection (server side).
class BURROW_SERVICES_EXPORT RemoteBinding
{
    Q_DISABLE_COPY_MOVE(RemoteBinding)
public:
    explicit RemoteBinding(const ContractInfo &contract) : m_contract(contract) {}
    virtual ~RemoteBinding();

    const ContractInfo &contract() const { return m_contract; }

    // Blocking: waits up to the answer timeout (a void callback method returns at once).
    virtual CallOutcome call(int method, const QCborArray &arguments) = 0;
    virtual QFuture<CallOutcome> callAsync(int method, const QCborArray &arguments) = 0;
    // Non-blocking without a QFuture: onDone runs once with the outcome, in the transport's
    // thread or (when the call fails at once) before this returns. The default goes through
    // callAsync(); the built-in bindings override it with a cheaper path.
    using OutcomeHandler = std::function<void(const CallOutcome &outcome)>;
    virtual void callWithHandler(int method, const QCborArray &arguments, OutcomeHandler onDone);
    // Encodes a callback argument. The default refuses with NotSupported.
    virtual CallError marshalCallback(QObject *callback, const ContractInfo &callbackContract,
                                      int method, int parameter, QCborValue *encoded);

    // Sets lastCallError() and logs a warning in burrow.services (a debug line for
    // CallbackReleased).
    void reportFailure(int method, const CallError &error) const;

private:
    const ContractInfo &m_contract;
};

// Second base class of every generated remote proxy.
class BURROW_SERVICES_EXPORT RemoteProxyBase
{
    Q_DISABLE_COPY_MOVE(RemoteProxyBase)
public:
    explicit RemoteProxyBase(std::shared_ptr<RemoteBinding> binding);
    virtual ~RemoteProxyBase();

    RemoteBinding &burrowBinding() const { return *m_binding; }

private:
    std::shared_ptr<RemoteBinding> m_binding;
};

// The proxy part of object, or nullptr for a local implementation.
BURROW_SERVICES_EXPORT RemoteProxyBase *remoteProxyOf(QObject *object);

// Turns an incoming callback argument into the callback proxy (server side).
class BURROW_SERVICES_EXPORT CallbackResolver
{
public:
    virtual ~CallbackResolver();
    virtual CallError resolveCallback(const QCborValue &value, const ContractInfo &callbackContract,
                                      QSharedPointer<QObject> *callback) = 0;
};

BURROW_SERVICES_EXPORT CallError callbacksNotAccepted();

// --- marshalling -----------------------------------------------------------------------------

template<typename T>
CallError marshalArgument(RemoteBinding &binding, int method, int index, const T &value,
                          QCborValue *encoded)
{
    using Value = std::remove_cvref_t<T>;
    using Pointer = SharedPointerTraits<Value>;
    if constexpr (Pointer::isCallback) {
        using Callback = typename Pointer::ContractType;
        if (value.isNull()) {
            *encoded = QCborValue(QCborValue::Null);
            return {};
        }
        return binding.marshalCallback(static_cast<QObject *>(value.data()),
                                       Callback::burrowContract(), method, index, encoded);
    } else {
        static_assert(!Pointer::isSharedPointer,
                      "a QSharedPointer parameter must point to a contract class (declared with "
                      "BURROW_CONTRACT and complete where the generated code is compiled)");
        *encoded = toCbor<Value>(value);
        return {};
    }
}

template<typename... A>
CallError marshalArguments(RemoteBinding &binding, int method, QCborArray *array, const A &...arguments)
{
    CallError error;
    int index = 0;
    [[maybe_unused]] const auto one = [&](const auto &argument) {
        if (error.isError())
            return;
        QCborValue encoded;
        error = marshalArgument(binding, method, index++, argument, &encoded);
        array->append(encoded);
    };
    (one(arguments), ...);
    return error;
}

template<typename T>
CallError unmarshalArgument(const QCborValue &value, T *out, CallContext &context,
                            const ContractInfo &contract, int method, int index)
{
    using Pointer = SharedPointerTraits<T>;
    if constexpr (Pointer::isCallback) {
        using Callback = typename Pointer::ContractType;
        if (value.isNull() || value.isUndefined()) {
            out->reset();
            return {};
        }
        CallbackResolver *resolver = context.callbackResolver();
        const CallError refused = callbacksNotAccepted();
        if (!resolver)
            return argumentError(contract, method, index, refused.code(), refused.message());
        QSharedPointer<QObject> callback;
        const CallError error = resolver->resolveCallback(value, Callback::burrowContract(), &callback);
        if (error.isError())
            return argumentError(contract, method, index, error.code(), error.message());
        *out = callback.template staticCast<Callback>();
        return {};
    } else {
        static_assert(!Pointer::isSharedPointer,
                      "a QSharedPointer parameter must point to a contract class (declared with "
                      "BURROW_CONTRACT and complete where the generated code is compiled)");
        QString detail;
        if (!fromCbor<T>(value, out, &detail))
            return argumentError(contract, method, index, ErrorCode::InvalidArguments, detail);
        return {};
    }
}

// --- the dispatcher --------------------------------------------------------------------------

template<auto Method, std::size_t... I>
CallOutcome invokeMethodImpl(QObject *implementation, const ContractInfo &contract, int method,
                             const QCborArray &arguments, CallContext &context,
                             std::index_sequence<I...>)
{
    using Traits = MethodTraits<decltype(Method)>;
    using R = typename Traits::Return;
    using Class = typename Traits::Class;

    std::tuple<std::remove_cvref_t<std::tuple_element_t<I, typename Traits::Arguments>>...> values;
    CallError error;
    (void)((error = unmarshalArgument(arguments.at(qsizetype(I)), &std::get<I>(values), context,
                                      contract, method, int(I)),
            !error.isError())
           && ...);
    if (error.isError())
        return {QCborValue(), error};

    Class *object = static_cast<Class *>(implementation);
    try {
        if constexpr (std::is_void_v<R>) {
            (object->*Method)(std::get<I>(values)...);
            return {};
        } else {
            return {toCbor<std::remove_cvref_t<R>>((object->*Method)(std::get<I>(values)...)), {}};
        }
    } catch (const std::exception &exception) {
        return {QCborValue(), implementationError(contract, method, exception.what())};
    } catch (...) {
        return {QCborValue(), implementationError(contract, method, nullptr)};
    }
}

template<auto Method>
CallOutcome invokeMethod(QObject *implementation, const ContractInfo &contract, int method,
                         const QCborArray &arguments, CallContext &context)
{
    using Traits = MethodTraits<decltype(Method)>;
    if (arguments.size() != qsizetype(Traits::arity))
        return {QCborValue(), argumentCountError(contract, method, arguments.size())};
    return invokeMethodImpl<Method>(implementation, contract, method, arguments, context,
                                    std::make_index_sequence<Traits::arity>{});
}

// --- the blocking remote call (proxy methods) ------------------------------------------------

template<auto Method, typename... A>
ReturnOf<Method> remoteCall(RemoteBinding &binding, int method, const A &...arguments)
{
    using R = ReturnOf<Method>;
    QCborArray array;
    CallError error = marshalArguments(binding, method, &array, arguments...);
    if (!error.isError()) {
        const CallOutcome outcome = binding.call(method, array);
        error = outcome.error;
        if (!error.isError()) {
            if constexpr (std::is_void_v<R>) {
                setLastCallError({});
                return;
            } else {
                R value{};
                QString detail;
                if (fromCbor<R>(outcome.result, &value, &detail)) {
                    setLastCallError({});
                    return value;
                }
                error = resultError(binding.contract(), method, detail);
            }
        }
    }
    binding.reportFailure(method, error);
    if constexpr (!std::is_void_v<R>)
        return R{};
}

// --- the asynchronous forms (generated <Contract>Async classes) -----------------------------

template<typename T>
Reply<T> replyFrom(const CallOutcome &outcome, const ContractInfo &contract, int method)
{
    if (outcome.error.isError())
        return Reply<T>(outcome.error);
    if constexpr (std::is_void_v<T>) {
        return Reply<void>();
    } else {
        T value{};
        QString detail;
        if (!fromCbor<T>(outcome.result, &value, &detail))
            return Reply<T>(resultError(contract, method, detail));
        return Reply<T>(std::move(value));
    }
}

template<typename T>
QFuture<Reply<T>> readyReply(const Reply<T> &reply)
{
    QPromise<Reply<T>> promise;
    promise.start();
    promise.addResult(reply);
    promise.finish();
    return promise.future();
}

// The promise of a local asynchronous call. If the call never runs (its object was destroyed
// first), the reply says so instead of leaving the future canceled.
template<typename T>
class PendingReply
{
    Q_DISABLE_COPY_MOVE(PendingReply)
public:
    PendingReply(CallError ifDropped) : m_ifDropped(std::move(ifDropped)) { m_promise.start(); }
    ~PendingReply()
    {
        if (!m_done)
            finish(Reply<T>(m_ifDropped));
    }
    QFuture<Reply<T>> future() { return m_promise.future(); }
    void finish(const Reply<T> &reply)
    {
        m_promise.addResult(reply);
        m_promise.finish();
        m_done = true;
    }

private:
    QPromise<Reply<T>> m_promise;
    CallError m_ifDropped;
    bool m_done = false;
};

template<auto Method, typename Tuple>
Reply<ValueOf<Method>> callLocally(QObject *service, const ContractInfo &contract, int method,
                                   Tuple &values)
{
    using Class = typename MethodTraits<decltype(Method)>::Class;
    using T = ValueOf<Method>;
    Class *object = static_cast<Class *>(service);
    try {
        if constexpr (std::is_void_v<T>) {
            std::apply([object](auto &...argument) { (object->*Method)(argument...); }, values);
            return Reply<void>();
        } else {
            return Reply<T>(std::apply(
                [object](auto &...argument) -> T { return (object->*Method)(argument...); }, values));
        }
    } catch (const std::exception &exception) {
        return Reply<T>(implementationError(contract, method, exception.what()));
    } catch (...) {
        return Reply<T>(implementationError(contract, method, nullptr));
    }
}

// A remote proxy: the non-blocking remote call. A local implementation: the method runs in the
// implementation's thread (at once when that is this thread, else queued there).
template<auto Method, typename... A>
QFuture<Reply<ValueOf<Method>>> asyncCall(QObject *service, int method, const A &...arguments)
{
    using T = ValueOf<Method>;
    using Class = typename MethodTraits<decltype(Method)>::Class;
    const ContractInfo &contract = Class::burrowContract();
    if (!service)
        return readyReply<T>(Reply<T>(serviceObjectGone(contract, method)));

    if (RemoteProxyBase *proxy = remoteProxyOf(service)) {
        RemoteBinding &binding = proxy->burrowBinding();
        QCborArray array;
        const CallError error = marshalArguments(binding, method, &array, arguments...);
        if (error.isError())
            return readyReply<T>(Reply<T>(error));
        // One promise per call: the binding reports through a handler, not a future to chain.
        auto promise = std::make_shared<QPromise<Reply<T>>>();
        promise->start();
        QFuture<Reply<T>> future = promise->future();
        const ContractInfo *bindingContract = &binding.contract();
        binding.callWithHandler(method, array, [promise, bindingContract, method](const CallOutcome &outcome) {
            promise->addResult(replyFrom<T>(outcome, *bindingContract, method));
            promise->finish();
        });
        return future;
    }

    auto pending = std::make_shared<PendingReply<T>>(serviceObjectGone(contract, method));
    QFuture<Reply<T>> future = pending->future();
    auto run = [pending, object = QPointer<QObject>(service), &contract, method,
                values = std::make_tuple(std::remove_cvref_t<A>(arguments)...)]() mutable {
        if (object)
            pending->finish(callLocally<Method>(object.data(), contract, method, values));
    };
    if (service->thread() == QThread::currentThread())
        run();
    else
        QMetaObject::invokeMethod(service, std::move(run), Qt::QueuedConnection);
    return future;
}

} // namespace Burrow::Private
