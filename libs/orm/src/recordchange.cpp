#include <Burrow/recordchange.h>

namespace Burrow {

namespace {
const QString idKey = QStringLiteral("id");
const QString versionKey = QStringLiteral("version");

bool failWith(QString *errorString, const QString &message)
{
    if (errorString)
        *errorString = message;
    return false;
}
} // namespace

QCborValue RecordChange::toCbor() const
{
    QCborArray array{qint64(kind), id, version};
    if (kind == Upsert) {
        QCborMap values = row;
        values.remove(idKey);
        values.remove(versionKey);
        array.append(values);
    }
    return array;
}

bool RecordChange::fromCbor(const QCborValue &value, RecordChange *change, QString *errorString)
{
    if (!value.isArray())
        return failWith(errorString, QStringLiteral("a change must be an array"));
    const QCborArray array = value.toArray();
    if (array.size() < 3 || !array.at(0).isInteger() || !array.at(1).isInteger() || !array.at(2).isInteger())
        return failWith(errorString, QStringLiteral("a change starts with three integers: kind, id, version"));
    RecordChange result;
    const qint64 kind = array.at(0).toInteger();
    result.id = array.at(1).toInteger();
    result.version = array.at(2).toInteger();
    if (kind == Upsert) {
        if (array.size() != 4 || !array.at(3).isMap())
            return failWith(errorString, QStringLiteral("an upsert change ends with the row (a map)"));
        result.kind = Upsert;
        // Rebuilt in the order OrmDatabase produces: id, version, the other columns.
        result.row.insert(idKey, result.id);
        result.row.insert(versionKey, result.version);
        const QCborMap values = array.at(3).toMap();
        const bool hasIdOrVersion = values.contains(QLatin1String("id")) || values.contains(QLatin1String("version"));
        for (auto it = values.cbegin(); it != values.cend(); ++it) {
            const QCborValue key = it.key();
            if (hasIdOrVersion && (key == QCborValue(idKey) || key == QCborValue(versionKey)))
                continue;
            result.row.insert(key, it.value());
        }
    } else if (kind == Delete) {
        if (array.size() != 3)
            return failWith(errorString, QStringLiteral("a delete change has exactly three elements"));
        result.kind = Delete;
    } else {
        return failWith(errorString, QStringLiteral("unknown change kind %1").arg(kind));
    }
    *change = std::move(result);
    return true;
}

QCborArray RecordChange::listToCbor(const QList<RecordChange> &changes)
{
    QCborArray array;
    for (const RecordChange &change : changes)
        array.append(change.toCbor());
    return array;
}

bool RecordChange::listFromCbor(const QCborValue &value, QList<RecordChange> *changes,
                                QString *errorString)
{
    if (!value.isArray())
        return failWith(errorString, QStringLiteral("a change list must be an array"));
    const QCborArray array = value.toArray();
    QList<RecordChange> result;
    result.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        RecordChange change;
        QString why;
        if (!fromCbor(array.at(i), &change, &why))
            return failWith(errorString, QStringLiteral("[%1]: %2").arg(i).arg(why));
        result.append(std::move(change));
    }
    *changes = std::move(result);
    return true;
}

} // namespace Burrow
