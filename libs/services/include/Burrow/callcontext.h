#pragma once

#include <Burrow/servicesglobal.h>

#include <QtCore/QString>

namespace Burrow {

class Connection;

namespace Private {
class CallbackResolver;
}

// Who is calling: available through CallContext::current() in the thread running a dispatched
// call (a service method on the server, a callback method on the client), for the duration of
// that call.
class BURROW_SERVICES_EXPORT CallContext
{
public:
    CallContext() = default;
    CallContext(Connection *connection, const QString &interfaceName, const QString &methodName,
                Private::CallbackResolver *callbackResolver = nullptr);

    // The calling context of the current thread, or nullptr outside a dispatched call.
    static const CallContext *current();

    // The WebSocket connection the call came on; nullptr over plain HTTP (and for direct,
    // in-process calls).
    Connection *connection() const { return m_connection; }
    QString interfaceName() const { return m_interfaceName; }
    QString methodName() const { return m_methodName; }

    // \internal Turns callback arguments into callback proxies; nullptr refuses them.
    Private::CallbackResolver *callbackResolver() const { return m_callbackResolver; }

    // \internal Makes a context current() in this thread for its lifetime.
    class BURROW_SERVICES_EXPORT Scope
    {
        Q_DISABLE_COPY_MOVE(Scope)
    public:
        explicit Scope(const CallContext *context);
        ~Scope();

    private:
        const CallContext *m_previous;
    };

private:
    Connection *m_connection = nullptr;
    QString m_interfaceName;
    QString m_methodName;
    Private::CallbackResolver *m_callbackResolver = nullptr;
};

} // namespace Burrow
