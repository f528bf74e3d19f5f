#include "tableschema_p.h"

#include <Burrow/marshal.h>

#include <QtCore/QDateTime>
#include <QtCore/QMetaProperty>
#include <QtCore/QUrl>
#include <QtCore/QUuid>

#include <cstring>

namespace Burrow {

QByteArray quoteIdentifier(const QString &identifier)
{
    QByteArray quoted = identifier.toUtf8();
    quoted.replace('"', "\"\"");
    return '"' + quoted + '"';
}

namespace {

ColumnKind kindOf(const QMetaProperty &property)
{
    const QMetaType type = property.metaType();
    if (property.isEnumType() || (type.flags() & QMetaType::IsEnumeration))
        return ColumnKind::Enum;
    switch (type.id()) {
    case QMetaType::Bool:
        return ColumnKind::Bool;
    case QMetaType::Char:
    case QMetaType::SChar:
    case QMetaType::Short:
    case QMetaType::Int:
    case QMetaType::Long:
    case QMetaType::LongLong:
        return ColumnKind::Integer;
    case QMetaType::UChar:
    case QMetaType::UShort:
    case QMetaType::UInt:
    case QMetaType::ULong:
    case QMetaType::ULongLong:
    case QMetaType::Char16:
    case QMetaType::Char32:
        return ColumnKind::Unsigned;
    case QMetaType::Float:
    case QMetaType::Double:
        return ColumnKind::Real;
    case QMetaType::QString:
        return ColumnKind::Text;
    case QMetaType::QByteArray:
        return ColumnKind::Blob;
    case QMetaType::QDateTime:
        return ColumnKind::DateTime;
    case QMetaType::QDate:
        return ColumnKind::Date;
    case QMetaType::QTime:
        return ColumnKind::Time;
    case QMetaType::QUuid:
        return ColumnKind::Uuid;
    case QMetaType::QUrl:
        return ColumnKind::Url;
    default:
        return ColumnKind::Cbor;
    }
}

bool isSignedInteger(const Column &column)
{
    if (column.kind == ColumnKind::Integer)
        return true;
    if (column.kind == ColumnKind::Enum)
        return !(column.type.flags() & QMetaType::IsUnsignedEnumeration);
    return false;
}

// Integer-like types are plain integers of 1, 2, 4 or 8 bytes: read and write them by size.
qint64 readInteger(const Column &column, const void *data)
{
    const bool isSigned = isSignedInteger(column);
    switch (column.type.sizeOf()) {
    case 1: { quint8 v; std::memcpy(&v, data, 1); return isSigned ? qint64(qint8(v)) : qint64(v); }
    case 2: { quint16 v; std::memcpy(&v, data, 2); return isSigned ? qint64(qint16(v)) : qint64(v); }
    case 4: { quint32 v; std::memcpy(&v, data, 4); return isSigned ? qint64(qint32(v)) : qint64(v); }
    case 8: { qint64 v; std::memcpy(&v, data, 8); return v; }
    default: return 0;
    }
}

QVariant integerValue(const Column &column, qint64 value)
{
    QVariant result(column.type);
    void *data = result.data();
    switch (column.type.sizeOf()) {
    case 1: { const quint8 v = quint8(value); std::memcpy(data, &v, 1); break; }
    case 2: { const quint16 v = quint16(value); std::memcpy(data, &v, 2); break; }
    case 4: { const quint32 v = quint32(value); std::memcpy(data, &v, 4); break; }
    case 8: std::memcpy(data, &value, 8); break;
    default: break;
    }
    return result;
}

// A QVariant of exactly the column's type, converting if needed (e.g. an int for a qint16).
bool coerce(const Column &column, const QVariant &value, QVariant *out)
{
    if (value.metaType() == column.type) {
        *out = value;
        return true;
    }
    QVariant converted = value;
    if (!converted.convert(column.type))
        return false;
    *out = converted;
    return true;
}

// QDateTime::toString(Qt::ISODateWithMs) of a UTC time, "yyyy-MM-ddTHH:mm:ss.zzzZ", written
// directly: every stored date goes through here, and Qt's formatter costs several times more.
QString storedDateTime(const QDateTime &utc)
{
    int year = 0;
    int month = 0;
    int day = 0;
    utc.date().getDate(&year, &month, &day);
    if (year < 1 || year > 9999)
        return utc.toString(Qt::ISODateWithMs); // Qt's form for years without four digits
    const QTime time = utc.time();
    QString text(24, Qt::Uninitialized);
    QChar *out = text.data();
    const auto put = [&out](int value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10)
            out[i] = QChar(u'0' + value % 10);
        out += digits;
    };
    const auto separator = [&out](char16_t c) { *out++ = QChar(c); };
    put(year, 4);
    separator(u'-');
    put(month, 2);
    separator(u'-');
    put(day, 2);
    separator(u'T');
    put(time.hour(), 2);
    separator(u':');
    put(time.minute(), 2);
    separator(u':');
    put(time.second(), 2);
    separator(u'.');
    put(time.msec(), 3);
    separator(u'Z');
    return text;
}

// "yyyy-MM-ddTHH:mm:ss.zzzZ" denoting a valid moment: what toStored() makes of a QDateTime.
bool isStoredDateTime(QStringView text)
{
    if (text.size() != 24)
        return false;
    int fields[7] = {};
    int field = 0;
    for (qsizetype i = 0; i < 24; ++i) {
        const char16_t c = text[i].unicode();
        const char expected = "dddd-dd-ddTdd:dd:dd.dddZ"[i];
        if (expected == 'd') {
            if (c < u'0' || c > u'9')
                return false;
            fields[field] = fields[field] * 10 + (c - u'0');
        } else {
            if (c != char16_t(expected))
                return false;
            ++field;
        }
    }
    return fields[0] > 0 && QDate::isValid(fields[0], fields[1], fields[2])
            && QTime::isValid(fields[3], fields[4], fields[5], fields[6]);
}

} // namespace

QString tableNameOf(const QMetaObject &metaObject)
{
    const int info = metaObject.indexOfClassInfo("BurrowTable");
    if (info >= 0)
        return QString::fromUtf8(metaObject.classInfo(info).value());
    QString name = QString::fromLatin1(metaObject.className());
    const qsizetype separator = name.lastIndexOf(QLatin1String("::"));
    if (separator >= 0)
        name = name.mid(separator + 2);
    return name;
}

const char *Column::sqlType() const
{
    switch (kind) {
    case ColumnKind::Bool:
    case ColumnKind::Integer:
    case ColumnKind::Unsigned:
    case ColumnKind::Enum:
        return "INTEGER";
    case ColumnKind::Real:
        return "REAL";
    case ColumnKind::Text:
    case ColumnKind::DateTime:
    case ColumnKind::Date:
    case ColumnKind::Time:
    case ColumnKind::Uuid:
    case ColumnKind::Url:
        return "TEXT";
    case ColumnKind::Blob:
    case ColumnKind::Cbor:
        return "BLOB";
    }
    return "BLOB";
}

const char *Column::sqlDefault() const
{
    switch (kind) {
    case ColumnKind::Bool:
    case ColumnKind::Integer:
    case ColumnKind::Unsigned:
    case ColumnKind::Enum:
        return "0";
    case ColumnKind::Real:
        return "0.0";
    case ColumnKind::Text:
    case ColumnKind::Url:
        return "''";
    case ColumnKind::Blob:
        return "x''";
    case ColumnKind::Uuid:
        return "'00000000-0000-0000-0000-000000000000'";
    case ColumnKind::DateTime:
    case ColumnKind::Date:
    case ColumnKind::Time:
    case ColumnKind::Cbor:
        return "NULL";
    }
    return "NULL";
}

QVariant Column::toStored(const QVariant &input) const
{
    QVariant value;
    if (!coerce(*this, input, &value))
        return defaultStored();
    switch (kind) {
    case ColumnKind::Bool:
        return qint64(value.toBool() ? 1 : 0);
    case ColumnKind::Integer:
    case ColumnKind::Unsigned:
    case ColumnKind::Enum:
        return readInteger(*this, value.constData());
    case ColumnKind::Real:
        return value.toDouble();
    case ColumnKind::Text: {
        QString text = value.toString();
        if (text.isNull())
            return QStringLiteral(""); // NULL is for "no value"; an empty string is a value
        return text;
    }
    case ColumnKind::Blob: {
        QByteArray bytes = value.toByteArray();
        if (bytes.isNull())
            return QByteArray("");
        return bytes;
    }
    case ColumnKind::DateTime: {
        const QDateTime dateTime = value.toDateTime();
        if (!dateTime.isValid())
            return QVariant(QMetaType::fromType<QString>());
        return storedDateTime(dateTime.toUTC());
    }
    case ColumnKind::Date: {
        const QDate date = value.toDate();
        if (!date.isValid())
            return QVariant(QMetaType::fromType<QString>());
        return date.toString(Qt::ISODate);
    }
    case ColumnKind::Time: {
        const QTime time = value.toTime();
        if (!time.isValid())
            return QVariant(QMetaType::fromType<QString>());
        return time.toString(Qt::ISODateWithMs);
    }
    case ColumnKind::Uuid:
        return value.toUuid().toString(QUuid::WithoutBraces);
    case ColumnKind::Url:
        return QString::fromUtf8(value.toUrl().toEncoded());
    case ColumnKind::Cbor:
        return variantToCbor(value).toCbor();
    }
    return {};
}

QVariant Column::defaultStored() const
{
    return toStored(QVariant(type));
}

QVariant Column::fromStored(const QVariant &stored) const
{
    if (stored.isNull())
        return QVariant(type);
    switch (kind) {
    case ColumnKind::Bool:
        return QVariant(stored.toLongLong() != 0);
    case ColumnKind::Integer:
    case ColumnKind::Unsigned:
    case ColumnKind::Enum:
        if (type.id() == QMetaType::LongLong)
            return QVariant(stored.toLongLong());
        return integerValue(*this, stored.toLongLong());
    case ColumnKind::Real:
        if (type.id() == QMetaType::Float)
            return QVariant(float(stored.toDouble()));
        return QVariant(stored.toDouble());
    case ColumnKind::Text:
        return QVariant(stored.toString());
    case ColumnKind::Blob:
        return QVariant(stored.toByteArray());
    case ColumnKind::DateTime:
        return QVariant(QDateTime::fromString(stored.toString(), Qt::ISODateWithMs));
    case ColumnKind::Date:
        return QVariant(QDate::fromString(stored.toString(), Qt::ISODate));
    case ColumnKind::Time:
        return QVariant(QTime::fromString(stored.toString(), Qt::ISODateWithMs));
    case ColumnKind::Uuid:
        return QVariant(QUuid::fromString(stored.toString()));
    case ColumnKind::Url:
        return QVariant(QUrl::fromEncoded(stored.toString().toUtf8()));
    case ColumnKind::Cbor: {
        QVariant value;
        QString why;
        if (!variantFromCbor(QCborValue::fromCbor(stored.toByteArray()), type, &value, &why))
            return QVariant(type);
        return value;
    }
    }
    return QVariant(type);
}

QCborValue Column::cborFromStored(const QVariant &stored) const
{
    if (stored.isNull())
        return variantToCbor(QVariant(type));
    switch (kind) {
    case ColumnKind::Bool:
        return QCborValue(stored.toLongLong() != 0);
    case ColumnKind::Integer:
        return QCborValue(stored.toLongLong());
    case ColumnKind::Real:
        return QCborValue(stored.toDouble());
    case ColumnKind::Text:
        return QCborValue(stored.toString());
    case ColumnKind::Blob:
        return QCborValue(stored.toByteArray());
    case ColumnKind::DateTime:
    case ColumnKind::Date:
    case ColumnKind::Time:
    case ColumnKind::Uuid:
    case ColumnKind::Url:
        // Stored in the marshal.h text forms already (a QDateTime in UTC: "...Z").
        return QCborValue(stored.toString());
    case ColumnKind::Cbor:
        return QCborValue::fromCbor(stored.toByteArray());
    case ColumnKind::Unsigned:
    case ColumnKind::Enum:
        // quint64 above INT64_MAX is a decimal string, enums are key names: as marshal.h says.
        return variantToCbor(fromStored(stored));
    }
    return {};
}

bool Column::storedFromCbor(const QCborValue &value, QVariant *stored, QString *errorString) const
{
    // Fast paths for the common exact forms; everything else is checked by marshal.h.
    switch (kind) {
    case ColumnKind::Bool:
        if (value.isBool()) {
            *stored = qint64(value.isTrue() ? 1 : 0);
            return true;
        }
        break;
    case ColumnKind::Integer:
        if (value.isInteger()) {
            // In range of the type's size: stored as is (out of range: the marshal.h error).
            const qint64 integer = value.toInteger();
            const int bits = int(type.sizeOf()) * 8;
            if (bits >= 64 || (integer >= -(qint64(1) << (bits - 1)) && integer < (qint64(1) << (bits - 1)))) {
                *stored = integer;
                return true;
            }
        }
        break;
    case ColumnKind::Real:
        if (value.isDouble() && type.id() == QMetaType::Double) {
            *stored = value.toDouble();
            return true;
        }
        break;
    case ColumnKind::Text:
        if (value.isString()) {
            *stored = toStored(value.toString());
            return true;
        }
        break;
    case ColumnKind::Blob:
        if (value.isByteArray()) {
            *stored = toStored(value.toByteArray());
            return true;
        }
        break;
    case ColumnKind::DateTime:
        // Already the stored form (what cborFromStored() gives): kept without parsing it.
        if (value.isString()) {
            QString text = value.toString();
            if (isStoredDateTime(text)) {
                *stored = std::move(text);
                return true;
            }
        }
        break;
    default:
        break;
    }
    QVariant decoded;
    if (!variantFromCbor(value, type, &decoded, errorString))
        return false;
    *stored = toStored(decoded);
    return true;
}

bool TableSchema::fromMetaObject(const QMetaObject &metaObject, TableSchema *schema,
                                 QString *errorString)
{
    TableSchema result;
    result.metaObject = &metaObject;
    result.name = tableNameOf(metaObject);
    result.quotedName = quoteIdentifier(result.name);
    const auto fail = [&](const QString &why) {
        if (errorString)
            *errorString = QStringLiteral("%1 (%2): %3")
                                   .arg(QString::fromLatin1(metaObject.className()), result.name, why);
        return false;
    };
    if (result.name.isEmpty())
        return fail(QStringLiteral("empty table name"));
    if (result.name.startsWith(QLatin1String("burrow_"), Qt::CaseInsensitive)
        || result.name.startsWith(QLatin1String("sqlite_"), Qt::CaseInsensitive)) {
        return fail(QStringLiteral("table names starting with burrow_ or sqlite_ are reserved"));
    }
    for (int i = 0; i < metaObject.propertyCount(); ++i) {
        const QMetaProperty property = metaObject.property(i);
        if (!property.isStored() || !property.isWritable())
            continue; // computed or read-only properties are not columns
        Column column;
        column.name = QString::fromLatin1(property.name());
        column.quotedName = quoteIdentifier(column.name);
        column.type = property.metaType();
        column.kind = kindOf(property);
        column.propertyIndex = i;
        column.property = property;
        for (const Column &other : std::as_const(result.columns)) {
            if (other.name.compare(column.name, Qt::CaseInsensitive) == 0)
                return fail(QStringLiteral("two columns named %1 (SQLite names ignore case)").arg(column.name));
        }
        if (column.kind == ColumnKind::Cbor) {
            QString why;
            if (!isMarshallable(column.type, &why))
                return fail(QStringLiteral("property %1 of type %2 cannot be stored: %3")
                                    .arg(column.name, QString::fromLatin1(column.type.name()), why));
        }
        column.storedDefaultValue = column.defaultStored();
        const int index = result.columns.size();
        if (column.name == QLatin1String("id")) {
            if (column.type.id() != QMetaType::LongLong)
                return fail(QStringLiteral("property id must be a qint64"));
            result.idColumn = index;
        } else if (column.name == QLatin1String("version")) {
            if (column.type.id() != QMetaType::LongLong)
                return fail(QStringLiteral("property version must be a qint64"));
            result.versionColumn = index;
        } else {
            result.dataColumns.append(index);
        }
        result.columnByName.insert(column.name, index);
        result.columns.append(column);
    }
    if (result.idColumn < 0)
        return fail(QStringLiteral("a record needs a writable qint64 property named id"));
    *schema = std::move(result);
    return true;
}

TableInfo TableSchema::info() const
{
    TableInfo info;
    info.name = name;
    info.metaObject = metaObject;
    info.isVersioned = isVersioned();
    for (const Column &column : columns)
        info.columns.append({column.name, column.type, QString::fromLatin1(column.sqlType()),
                             column.kind == ColumnKind::Cbor});
    return info;
}

} // namespace Burrow
