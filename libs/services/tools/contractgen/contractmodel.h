#pragma once

#include <QtCore/QJsonDocument>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>

// What burrow-contractgen reads from moc's JSON output: the contracts of one header.

struct ContractParameter
{
    QString name; // never empty: unnamed parameters get "argumentN"
    QString type; // as QMetaMethod reports it at run time (built-in typedefs by canonical name)
};

struct ContractMethodModel
{
    QString name;
    QString returnType;
    QList<ContractParameter> parameters;

    // "name(Type1,Type2)->ReturnType"
    QString signature() const;
};

struct ContractModel
{
    QString interfaceName;
    QString qualifiedClassName; // e.g. "app::IChatService"
    QString className;          // "IChatService"
    QStringList namespaces;     // {"app"}
    QList<ContractMethodModel> methods;

    // The interface name, then one line per method, each ending with '\n'.
    QByteArray canonicalText() const;
    // Lower-case hex SHA-256 of canonicalText().
    QByteArray hash() const;
    // qualifiedClassName with "::" turned into '_', for generated identifiers.
    QString identifier() const;
};

struct ContractFile
{
    QString inputFile;
    QList<ContractModel> contracts;
    QStringList warnings;
};

// Reads moc --output-json output. Returns false and sets *errorString (with the class and
// method concerned) when a contract breaks a rule: not a Q_OBJECT, overloaded method names,
// more than 10 parameters, non-public methods, an invalid or duplicated interface name.
bool readContracts(const QJsonDocument &mocJson, ContractFile *file, QString *errorString);
