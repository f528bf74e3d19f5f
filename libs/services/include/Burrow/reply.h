#pragma once

#include <Burrow/message.h>
#include <Burrow/servicesglobal.h>

#include <QtCore/QString>

#include <utility>

namespace Burrow {

// The outcome of a failed call: an error code and a message meant for people.
class CallError
{
public:
    CallError() = default;
    CallError(ErrorCode code, const QString &message) : m_code(code), m_message(message) {}

    bool isError() const { return m_code != ErrorCode::NoError; }
    ErrorCode code() const { return m_code; }
    QString message() const { return m_message; }

private:
    ErrorCode m_code = ErrorCode::NoError;
    QString m_message;
};

// The error of the last blocking call made through a remote proxy in this thread; NoError
// after a successful one. Blocking proxy methods cannot report failure through their return
// value (they return a default-constructed value), so this is where the reason is kept.
BURROW_SERVICES_EXPORT CallError lastCallError();

namespace Private {
BURROW_SERVICES_EXPORT void setLastCallError(const CallError &error);
}

// The result of an asynchronous call: either a value or an error.
template<typename T>
class Reply
{
public:
    Reply() = default;
    Reply(T value) : m_value(std::move(value)) {}
    Reply(const CallError &error) : m_error(error) {}
    Reply(ErrorCode code, const QString &message) : m_error(code, message) {}

    bool hasError() const { return m_error.isError(); }
    ErrorCode error() const { return m_error.code(); }
    QString errorString() const { return m_error.message(); }
    CallError callError() const { return m_error; }
    // A default-constructed value when hasError().
    const T &value() const { return m_value; }

private:
    T m_value{};
    CallError m_error;
};

template<>
class Reply<void>
{
public:
    Reply() = default;
    Reply(const CallError &error) : m_error(error) {}
    Reply(ErrorCode code, const QString &message) : m_error(code, message) {}

    bool hasError() const { return m_error.isError(); }
    ErrorCode error() const { return m_error.code(); }
    QString errorString() const { return m_error.message(); }
    CallError callError() const { return m_error; }

private:
    CallError m_error;
};

} // namespace Burrow
