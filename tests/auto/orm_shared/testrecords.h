#pragma once

// Record declarations shared by the ORM tests.

#include <QtCore/QDateTime>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtCore/QVariantMap>

// Versioned, with an explicit table name.
struct Person
{
    Q_GADGET
    Q_CLASSINFO("BurrowTable", "People")
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(int age MEMBER age)
public:
    qint64 id = 0;
    qint64 version = 0;
    QString name;
    int age = 0;
    bool operator==(const Person &) const = default;
};

// The same table, one release later: a column more.
struct PersonWithEmail
{
    Q_GADGET
    Q_CLASSINFO("BurrowTable", "People")
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(int age MEMBER age)
    Q_PROPERTY(QString email MEMBER email)
public:
    qint64 id = 0;
    qint64 version = 0;
    QString name;
    int age = 0;
    QString email;
    bool operator==(const PersonWithEmail &) const = default;
};

// Versioned; table name from the struct name.
struct Order
{
    Q_GADGET
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(qint64 personId MEMBER personId)
    Q_PROPERTY(double amount MEMBER amount)
public:
    qint64 id = 0;
    qint64 version = 0;
    qint64 personId = 0;
    double amount = 0;
    bool operator==(const Order &) const = default;
};

// Not versioned: no change feed.
struct Note
{
    Q_GADGET
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(QString text MEMBER text)
public:
    qint64 id = 0;
    QString text;
    bool operator==(const Note &) const = default;
};

// Every supported column type.
struct Sample
{
    Q_GADGET
    Q_CLASSINFO("BurrowTable", "Samples")
public:
    enum Color { Red = 0, Green = 1, Blue = 7 };
    Q_ENUM(Color)
    enum Permission { Read = 1, Write = 2, Execute = 4 };
    Q_DECLARE_FLAGS(Permissions, Permission)
    Q_FLAG(Permissions)

private:
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(bool flag MEMBER flag)
    Q_PROPERTY(qint16 shortNumber MEMBER shortNumber)
    Q_PROPERTY(int number MEMBER number)
    Q_PROPERTY(quint32 unsignedNumber MEMBER unsignedNumber)
    Q_PROPERTY(qint64 bigNumber MEMBER bigNumber)
    Q_PROPERTY(quint64 hugeNumber MEMBER hugeNumber)
    Q_PROPERTY(double ratio MEMBER ratio)
    Q_PROPERTY(float weight MEMBER weight)
    Q_PROPERTY(QString text MEMBER text)
    Q_PROPERTY(QByteArray bytes MEMBER bytes)
    Q_PROPERTY(QDateTime when MEMBER when)
    Q_PROPERTY(QDate day MEMBER day)
    Q_PROPERTY(QTime time MEMBER time)
    Q_PROPERTY(QUuid uuid MEMBER uuid)
    Q_PROPERTY(QUrl url MEMBER url)
    Q_PROPERTY(Color color MEMBER color)
    // moc 6.4 cannot generate a MEMBER property of a Q_FLAG type: accessors.
    Q_PROPERTY(Permissions permissions READ getPermissions WRITE setPermissions)
    Q_PROPERTY(QStringList tags MEMBER tags)
    Q_PROPERTY(QVariantMap extra MEMBER extra)
    Q_PROPERTY(QList<int> scores MEMBER scores)

public:
    qint64 id = 0;
    qint64 version = 0;
    bool flag = false;
    qint16 shortNumber = 0;
    int number = 0;
    quint32 unsignedNumber = 0;
    qint64 bigNumber = 0;
    quint64 hugeNumber = 0;
    double ratio = 0;
    float weight = 0;
    QString text;
    QByteArray bytes;
    QDateTime when;
    QDate day;
    QTime time;
    QUuid uuid;
    QUrl url;
    Color color = Red;
    Permissions permissions;
    QStringList tags;
    QVariantMap extra;
    QList<int> scores;
    Permissions getPermissions() const { return permissions; }
    void setPermissions(Permissions value) { permissions = value; }
    bool operator==(const Sample &) const = default;
};
Q_DECLARE_OPERATORS_FOR_FLAGS(Sample::Permissions)
