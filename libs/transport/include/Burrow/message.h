#pragma once

#include <Burrow/transportglobal.h>

#include <QtCore/QCborArray>
#include <QtCore/QCborValue>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace Burrow {
Q_NAMESPACE_EXPORT(BURROW_TRANSPORT_EXPORT)

// Error codes carried by error answers (and reported locally). The numbers are part of the
// wire protocol (docs/PROTOCOL.md): never renumber, only append.
enum class ErrorCode : int {
    NoError = 0,
    ParseError = 1,          // the frame could not be decoded at all
    InvalidMessage = 2,      // decoded, but not a valid message (unknown type, missing field)
    UnknownService = 3,
    UnknownMethod = 4,
    InvalidArguments = 5,    // wrong arity or argument types
    ImplementationError = 6, // the implementation threw or reported a failure
    Timeout = 7,             // no answer within the answer timeout
    CallbackReleased = 8,    // the callback was released by its owner
    ConnectionClosed = 9,    // the connection closed before the answer came
    ContractMismatch = 10,   // client and server disagree on a contract's methods
    NotSupported = 11,       // e.g. a callback parameter over plain HTTP
    MessageTooLarge = 12,
    Unauthorized = 13,
    ReadOnly = 14,           // a write to a replicated (read-only) table
    NotFound = 15,           // e.g. an ORM record that does not exist
    Conflict = 16,
    Unavailable = 17,        // server at capacity or shutting down
};
Q_ENUM_NS(ErrorCode)

BURROW_TRANSPORT_EXPORT QString errorCodeName(ErrorCode code);

class MessagePrivate;

// One unit of the Burrow protocol. The same model is encoded by every codec (JSON text frames,
// CBOR binary frames); see docs/PROTOCOL.md. Implicitly shared.
class BURROW_TRANSPORT_EXPORT Message
{
public:
    // Wire values are part of the protocol.
    enum class Type : int {
        Invalid = 0,
        Request = 1,         // id, target, method, arguments; expects an Answer or an Error
        Answer = 2,          // id, result
        Error = 3,           // id (0 when the offending message had none), code, message
        Notification = 4,    // target, method, arguments; one-way, never answered
        CallbackRelease = 5, // target: the callback whose owner dropped it
        Batch = 6,           // messages, applied in order
    };

    Message();
    Message(const Message &other);
    Message(Message &&other) noexcept;
    Message &operator=(const Message &other);
    Message &operator=(Message &&other) noexcept;
    ~Message();

    static Message request(quint64 id, const QString &target, const QString &method,
                           const QCborArray &arguments);
    static Message answer(quint64 id, const QCborValue &result);
    static Message error(quint64 id, ErrorCode code, const QString &message);
    static Message notification(const QString &target, const QString &method,
                                const QCborArray &arguments);
    static Message callbackRelease(const QString &target);
    static Message batch(const QList<Message> &messages);

    Type type() const;
    bool isValid() const { return type() != Type::Invalid; }
    quint64 id() const;
    QString target() const;
    QString method() const;
    QCborArray arguments() const;
    QCborValue result() const;
    ErrorCode errorCode() const;
    QString errorMessage() const;
    QList<Message> messages() const;

    void setId(quint64 id);

    bool operator==(const Message &other) const;
    bool operator!=(const Message &other) const { return !(*this == other); }

private:
    QSharedDataPointer<MessagePrivate> d;
};

BURROW_TRANSPORT_EXPORT QDebug operator<<(QDebug debug, const Message &message);

} // namespace Burrow

Q_DECLARE_METATYPE(Burrow::Message)
