#pragma once

// A contract exercising every marshalled type, as argument and as return value.

#include <Burrow/contract.h>

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QStringList>
#include <QtCore/QUuid>
#include <QtCore/QVariantMap>

namespace TestContracts {

struct Point
{
    Q_GADGET
    Q_PROPERTY(int x MEMBER x)
    Q_PROPERTY(int y MEMBER y)
public:
    int x = 0;
    int y = 0;
    bool operator==(const Point &other) const = default;
};

struct Shape
{
    Q_GADGET
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(TestContracts::Point origin MEMBER origin)
    Q_PROPERTY(QList<TestContracts::Point> points MEMBER points)
public:
    QString name;
    Point origin;
    QList<Point> points;
    bool operator==(const Shape &other) const = default;
};

class ITypesService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "Types")
    BURROW_CONTRACT
public:
    using QObject::QObject;

    enum class Color { Red, Green, Blue };
    Q_ENUM(Color)

    Q_INVOKABLE virtual bool echoBool(bool value) = 0;
    Q_INVOKABLE virtual qint8 echoInt8(qint8 value) = 0;
    Q_INVOKABLE virtual quint8 echoUInt8(quint8 value) = 0;
    Q_INVOKABLE virtual qint16 echoInt16(qint16 value) = 0;
    Q_INVOKABLE virtual quint16 echoUInt16(quint16 value) = 0;
    Q_INVOKABLE virtual qint32 echoInt32(qint32 value) = 0;
    Q_INVOKABLE virtual quint32 echoUInt32(quint32 value) = 0;
    Q_INVOKABLE virtual qint64 echoInt64(qint64 value) = 0;
    Q_INVOKABLE virtual quint64 echoUInt64(quint64 value) = 0;
    Q_INVOKABLE virtual double echoDouble(double value) = 0;
    Q_INVOKABLE virtual QString echoString(const QString &value) = 0;
    Q_INVOKABLE virtual QByteArray echoBytes(const QByteArray &value) = 0;
    Q_INVOKABLE virtual QDateTime echoDateTime(const QDateTime &value) = 0;
    Q_INVOKABLE virtual QUuid echoUuid(const QUuid &value) = 0;
    Q_INVOKABLE virtual Color echoColor(Color value) = 0;
    Q_INVOKABLE virtual QStringList echoStringList(const QStringList &value) = 0;
    Q_INVOKABLE virtual QJsonObject echoJsonObject(const QJsonObject &value) = 0;
    Q_INVOKABLE virtual QVariantMap echoVariantMap(const QVariantMap &value) = 0;
    Q_INVOKABLE virtual TestContracts::Shape echoShape(const TestContracts::Shape &value) = 0;
    Q_INVOKABLE virtual QList<int> echoIntList(const QList<int> &value) = 0;

    // Computed results, several parameters.
    Q_INVOKABLE virtual TestContracts::Shape makeShape(const QString &name, int x, int y, int pointCount) = 0;
    Q_INVOKABLE virtual int sumTen(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9) = 0;
    Q_INVOKABLE virtual QString describe(bool flag, qint64 number, double real, const QString &text,
                                         const QByteArray &bytes, const QDateTime &when, const QUuid &id,
                                         Color color, const QStringList &words, const TestContracts::Shape &shape) = 0;
    Q_INVOKABLE virtual void doNothing() = 0;
    // Throws std::runtime_error(message).
    Q_INVOKABLE virtual int fail(const QString &message) = 0;
};

} // namespace TestContracts
