#pragma once

#include <QtCore/QDateTime>
#include <QtCore/QObject>
#include <QtCore/QString>

// The sample record of replica-master and replica-slave: the "People" table.
struct Person
{
    Q_GADGET
    Q_CLASSINFO("BurrowTable", "People")
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(int age MEMBER age)
    Q_PROPERTY(QString email MEMBER email)
    Q_PROPERTY(QDateTime updated MEMBER updated)
    // The write batch (one transaction of RandomWriter) that last wrote the row: every batch
    // writes a whole group of rows, so a replica holding only part of a group holds part of a
    // transaction.
    Q_PROPERTY(qint64 batch MEMBER batch)
public:
    qint64 id = 0;
    qint64 version = 0;
    QString name;
    int age = 0;
    QString email;
    QDateTime updated;
    qint64 batch = 0;
    bool operator==(const Person &) const = default;
};
