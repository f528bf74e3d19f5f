#include <Burrow/message.h>

#include <QtCore/QCborMap>
#include <QtCore/QDebug>
#include <QtCore/QSharedData>

namespace Burrow {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::NoError: return QStringLiteral("NoError");
    case ErrorCode::ParseError: return QStringLiteral("ParseError");
    case ErrorCode::InvalidMessage: return QStringLiteral("InvalidMessage");
    case ErrorCode::UnknownService: return QStringLiteral("UnknownService");
    case ErrorCode::UnknownMethod: return QStringLiteral("UnknownMethod");
    case ErrorCode::InvalidArguments: return QStringLiteral("InvalidArguments");
    case ErrorCode::ImplementationError: return QStringLiteral("ImplementationError");
    case ErrorCode::Timeout: return QStringLiteral("Timeout");
    case ErrorCode::CallbackReleased: return QStringLiteral("CallbackReleased");
    case ErrorCode::ConnectionClosed: return QStringLiteral("ConnectionClosed");
    case ErrorCode::ContractMismatch: return QStringLiteral("ContractMismatch");
    case ErrorCode::NotSupported: return QStringLiteral("NotSupported");
    case ErrorCode::MessageTooLarge: return QStringLiteral("MessageTooLarge");
    case ErrorCode::Unauthorized: return QStringLiteral("Unauthorized");
    case ErrorCode::ReadOnly: return QStringLiteral("ReadOnly");
    case ErrorCode::NotFound: return QStringLiteral("NotFound");
    case ErrorCode::Conflict: return QStringLiteral("Conflict");
    case ErrorCode::Unavailable: return QStringLiteral("Unavailable");
    }
    // A code from a newer peer: codes are only ever appended, so this is not an error.
    return QStringLiteral("ErrorCode(%1)").arg(int(code));
}

class MessagePrivate : public QSharedData
{
public:
    Message::Type type = Message::Type::Invalid;
    ErrorCode errorCode = ErrorCode::NoError;
    quint64 id = 0;
    QString target;       // Request, Notification, CallbackRelease
    QString method;       // Request, Notification
    QString errorMessage; // Error
    QCborArray arguments; // Request, Notification
    QCborValue result;    // Answer
    QList<Message> messages; // Batch
};

// A default-constructed (Invalid) Message holds no private data: Messages are created in bulk
// (lists, futures) and most of those are overwritten at once.

Message::Message() = default;
Message::Message(const Message &other) = default;
Message::Message(Message &&other) noexcept = default;
Message &Message::operator=(const Message &other) = default;
Message &Message::operator=(Message &&other) noexcept = default;
Message::~Message() = default;

Message Message::request(quint64 id, const QString &target, const QString &method,
                         const QCborArray &arguments)
{
    Message m;
    m.d = new MessagePrivate;
    m.d->type = Type::Request;
    m.d->id = id;
    m.d->target = target;
    m.d->method = method;
    m.d->arguments = arguments;
    return m;
}

Message Message::answer(quint64 id, const QCborValue &result)
{
    Message m;
    m.d = new MessagePrivate;
    m.d->type = Type::Answer;
    m.d->id = id;
    m.d->result = result;
    return m;
}

Message Message::error(quint64 id, ErrorCode code, const QString &message)
{
    Message m;
    m.d = new MessagePrivate;
    m.d->type = Type::Error;
    m.d->id = id;
    m.d->errorCode = code;
    m.d->errorMessage = message;
    return m;
}

Message Message::notification(const QString &target, const QString &method,
                              const QCborArray &arguments)
{
    Message m;
    m.d = new MessagePrivate;
    m.d->type = Type::Notification;
    m.d->target = target;
    m.d->method = method;
    m.d->arguments = arguments;
    return m;
}

Message Message::callbackRelease(const QString &target)
{
    Message m;
    m.d = new MessagePrivate;
    m.d->type = Type::CallbackRelease;
    m.d->target = target;
    return m;
}

Message Message::batch(const QList<Message> &messages)
{
    Message m;
    m.d = new MessagePrivate;
    m.d->type = Type::Batch;
    m.d->messages = messages;
    return m;
}

Message::Type Message::type() const
{
    return d ? d->type : Type::Invalid;
}

quint64 Message::id() const
{
    return d ? d->id : 0;
}

QString Message::target() const
{
    return d ? d->target : QString();
}

QString Message::method() const
{
    return d ? d->method : QString();
}

QCborArray Message::arguments() const
{
    return d ? d->arguments : QCborArray();
}

QCborValue Message::result() const
{
    return d ? d->result : QCborValue();
}

ErrorCode Message::errorCode() const
{
    return d ? d->errorCode : ErrorCode::NoError;
}

QString Message::errorMessage() const
{
    return d ? d->errorMessage : QString();
}

QList<Message> Message::messages() const
{
    return d ? d->messages : QList<Message>();
}

void Message::setId(quint64 id)
{
    if (!d)
        d = new MessagePrivate;
    d->id = id;
}

bool Message::operator==(const Message &other) const
{
    if (d == other.d)
        return true;
    const Type t = type();
    if (t != other.type())
        return false;
    // Both non-null from here: an Invalid message with data (after setId) equals any Invalid.
    switch (t) {
    case Type::Invalid:
        return true;
    case Type::Request:
        return d->id == other.d->id && d->target == other.d->target
            && d->method == other.d->method && d->arguments == other.d->arguments;
    case Type::Answer:
        return d->id == other.d->id && d->result == other.d->result;
    case Type::Error:
        return d->id == other.d->id && d->errorCode == other.d->errorCode
            && d->errorMessage == other.d->errorMessage;
    case Type::Notification:
        return d->target == other.d->target && d->method == other.d->method
            && d->arguments == other.d->arguments;
    case Type::CallbackRelease:
        return d->target == other.d->target;
    case Type::Batch:
        return d->messages == other.d->messages;
    }
    return false;
}

// --- Debug output -------------------------------------------------------------------------
// Short on purpose: a message may carry megabytes. Values are summarised within a character
// budget instead of being printed in full.

namespace {

constexpr qsizetype DebugValueBudget = 120;
constexpr qsizetype DebugStringLimit = 40;
constexpr qsizetype DebugItemLimit = 8;

void summarize(QString &out, const QCborValue &value, qsizetype budgetEnd);

void summarizeString(QString &out, const QString &s)
{
    out += QLatin1Char('"');
    if (s.size() > DebugStringLimit) {
        out += QStringView(s).left(DebugStringLimit);
        out += QStringLiteral("\u2026\"(%1 chars)").arg(s.size());
        return;
    }
    out += s;
    out += QLatin1Char('"');
}

void summarize(QString &out, const QCborValue &value, qsizetype budgetEnd)
{
    switch (value.type()) {
    case QCborValue::Integer:
        out += QString::number(value.toInteger());
        return;
    case QCborValue::Double:
        out += QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
        return;
    case QCborValue::String:
        summarizeString(out, value.toString());
        return;
    case QCborValue::ByteArray: {
        const QByteArray bytes = value.toByteArray();
        if (bytes.size() <= 16)
            out += QStringLiteral("h'%1'").arg(QString::fromLatin1(bytes.toHex()));
        else
            out += QStringLiteral("bytes(%1)").arg(bytes.size());
        return;
    }
    case QCborValue::Array: {
        const QCborArray array = value.toArray();
        out += QLatin1Char('[');
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (i)
                out += QLatin1String(", ");
            if (i >= DebugItemLimit || out.size() >= budgetEnd) {
                out += QStringLiteral("\u2026 %1 items").arg(array.size());
                break;
            }
            summarize(out, array.at(i), budgetEnd);
        }
        out += QLatin1Char(']');
        return;
    }
    case QCborValue::Map: {
        const QCborMap map = value.toMap();
        out += QLatin1Char('{');
        qsizetype i = 0;
        for (auto it = map.cbegin(); it != map.cend(); ++it, ++i) {
            if (i)
                out += QLatin1String(", ");
            if (i >= DebugItemLimit || out.size() >= budgetEnd) {
                out += QStringLiteral("\u2026 %1 entries").arg(map.size());
                break;
            }
            summarize(out, it.key(), budgetEnd);
            out += QLatin1String(": ");
            summarize(out, it.value(), budgetEnd);
        }
        out += QLatin1Char('}');
        return;
    }
    case QCborValue::False: out += QLatin1String("false"); return;
    case QCborValue::True: out += QLatin1String("true"); return;
    case QCborValue::Null: out += QLatin1String("null"); return;
    case QCborValue::Undefined: out += QLatin1String("undefined"); return;
    case QCborValue::Invalid: out += QLatin1String("<invalid>"); return;
    default:
        // Tags, date-times, URLs, UUIDs, simple types: small, use CBOR diagnostic notation.
        out += value.toDiagnosticNotation(QCborValue::Compact).left(DebugStringLimit);
        return;
    }
}

void describe(QString &out, const Message &message, int depth)
{
    switch (message.type()) {
    case Message::Type::Invalid:
        out += QLatin1String("Invalid");
        return;
    case Message::Type::Request:
        out += QStringLiteral("Request id=%1 %2.%3 args=").arg(message.id())
                   .arg(message.target(), message.method());
        summarize(out, message.arguments(), out.size() + DebugValueBudget);
        return;
    case Message::Type::Answer:
        out += QStringLiteral("Answer id=%1 result=").arg(message.id());
        summarize(out, message.result(), out.size() + DebugValueBudget);
        return;
    case Message::Type::Error:
        out += QStringLiteral("Error id=%1 %2 ").arg(message.id())
                   .arg(errorCodeName(message.errorCode()));
        summarizeString(out, message.errorMessage());
        return;
    case Message::Type::Notification:
        out += QStringLiteral("Notification %1.%2 args=").arg(message.target(), message.method());
        summarize(out, message.arguments(), out.size() + DebugValueBudget);
        return;
    case Message::Type::CallbackRelease:
        out += QStringLiteral("CallbackRelease %1").arg(message.target());
        return;
    case Message::Type::Batch: {
        const QList<Message> messages = message.messages();
        out += QStringLiteral("Batch of %1").arg(messages.size());
        if (depth > 0 || messages.isEmpty())
            return;
        out += QLatin1String(": ");
        for (qsizetype i = 0; i < messages.size(); ++i) {
            if (i)
                out += QLatin1String("; ");
            if (i >= 4) {
                out += QStringLiteral("\u2026 %1 more").arg(messages.size() - i);
                break;
            }
            describe(out, messages.at(i), depth + 1);
        }
        return;
    }
    }
    out += QStringLiteral("Type(%1)").arg(int(message.type()));
}

} // namespace

QDebug operator<<(QDebug debug, const Message &message)
{
    QDebugStateSaver saver(debug);
    QString text;
    describe(text, message, 0);
    debug.nospace().noquote() << "Message(" << text << ')';
    return debug;
}

} // namespace Burrow
