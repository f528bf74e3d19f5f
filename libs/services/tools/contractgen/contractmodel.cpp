#include "contractmodel.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaType>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>

namespace {
constexpr int maxParameters = 10;
const char interfaceClassInfo[] = "BurrowInterface";

// The name QMetaMethod reports at run time: moc stores built-in types (those QMetaType knows by
// name, typedefs such as qint32 included) by id, and the id reads back as the canonical name
// ("int"). Other types keep the normalized spelling moc wrote.
QString canonicalTypeName(const QString &type)
{
    const QByteArray name = type.toUtf8();
    const QMetaType metaType = QMetaType::fromName(name);
    if (metaType.isValid() && metaType.id() < QMetaType::User)
        return QString::fromLatin1(metaType.name());
    return type;
}
} // namespace

QString ContractMethodModel::signature() const
{
    QStringList types;
    for (const ContractParameter &parameter : parameters)
        types.append(parameter.type);
    return QStringLiteral("%1(%2)->%3").arg(name, types.join(QLatin1Char(',')), returnType);
}

QByteArray ContractModel::canonicalText() const
{
    QByteArray text = interfaceName.toUtf8() + '\n';
    for (const ContractMethodModel &method : methods)
        text += method.signature().toUtf8() + '\n';
    return text;
}

QByteArray ContractModel::hash() const
{
    return QCryptographicHash::hash(canonicalText(), QCryptographicHash::Sha256).toHex();
}

QString ContractModel::identifier() const
{
    QString id = qualifiedClassName;
    id.replace(QLatin1String("::"), QLatin1String("_"));
    return id;
}

bool readContracts(const QJsonDocument &mocJson, ContractFile *file, QString *errorString)
{
    const QJsonObject root = mocJson.object();
    file->inputFile = root.value(QLatin1String("inputFile")).toString();
    const QJsonArray classes = root.value(QLatin1String("classes")).toArray();
    const QRegularExpression validName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.]*$"));
    QHash<QString, QString> classOfInterface;

    for (const QJsonValue &classValue : classes) {
        const QJsonObject cls = classValue.toObject();
        QString interfaceName;
        bool isContract = false;
        for (const QJsonValue &info : cls.value(QLatin1String("classInfos")).toArray()) {
            const QJsonObject object = info.toObject();
            if (object.value(QLatin1String("name")).toString() == QLatin1String(interfaceClassInfo)) {
                isContract = true;
                interfaceName = object.value(QLatin1String("value")).toString();
            }
        }
        if (!isContract)
            continue;

        ContractModel contract;
        contract.interfaceName = interfaceName;
        contract.className = cls.value(QLatin1String("className")).toString();
        contract.qualifiedClassName = cls.value(QLatin1String("qualifiedClassName")).toString();
        if (contract.qualifiedClassName.isEmpty())
            contract.qualifiedClassName = contract.className;
        contract.namespaces = contract.qualifiedClassName.split(QLatin1String("::"));
        contract.namespaces.removeLast();
        const QString where = QStringLiteral("%1: class %2").arg(file->inputFile, contract.qualifiedClassName);

        if (!cls.value(QLatin1String("object")).toBool()) {
            *errorString = QStringLiteral("%1: a contract must be a QObject subclass declaring Q_OBJECT").arg(where);
            return false;
        }
        if (!validName.match(interfaceName).hasMatch()) {
            *errorString = QStringLiteral("%1: invalid interface name \"%2\" in Q_CLASSINFO(\"%3\", ...): "
                                          "use letters, digits, '_' and '.', not starting with a digit")
                               .arg(where, interfaceName, QLatin1String(interfaceClassInfo));
            return false;
        }
        if (interfaceName == QLatin1String("burrow")) {
            *errorString = QStringLiteral("%1: the interface name \"burrow\" is reserved for the built-in service").arg(where);
            return false;
        }
        if (classOfInterface.contains(interfaceName)) {
            *errorString = QStringLiteral("%1: interface name \"%2\" is already used by class %3")
                               .arg(where, interfaceName, classOfInterface.value(interfaceName));
            return false;
        }
        classOfInterface.insert(interfaceName, contract.qualifiedClassName);

        QSet<QString> seen;
        for (const QJsonValue &methodValue : cls.value(QLatin1String("methods")).toArray()) {
            const QJsonObject object = methodValue.toObject();
            ContractMethodModel method;
            method.name = object.value(QLatin1String("name")).toString();
            method.returnType = object.value(QLatin1String("returnType")).toString();
            if (method.returnType.isEmpty())
                method.returnType = QStringLiteral("void");
            method.returnType = canonicalTypeName(method.returnType);
            const QString access = object.value(QLatin1String("access")).toString();
            if (access != QLatin1String("public")) {
                *errorString = QStringLiteral("%1: method '%2' is %3; contract methods must be public")
                                   .arg(where, method.name, access);
                return false;
            }
            if (seen.contains(method.name)) {
                *errorString = QStringLiteral("%1: method '%2' is overloaded; contract methods are called "
                                              "by name, so each needs a unique name (rename one of them)")
                                   .arg(where, method.name);
                return false;
            }
            seen.insert(method.name);
            const QJsonArray arguments = object.value(QLatin1String("arguments")).toArray();
            if (arguments.size() > maxParameters) {
                *errorString = QStringLiteral("%1: method '%2' has %3 parameters; a contract method may have at most %4 "
                                              "(group them in a Q_GADGET struct)")
                                   .arg(where, method.name).arg(arguments.size()).arg(maxParameters);
                return false;
            }
            for (qsizetype i = 0; i < arguments.size(); ++i) {
                const QJsonObject argument = arguments.at(i).toObject();
                ContractParameter parameter;
                parameter.type = canonicalTypeName(argument.value(QLatin1String("type")).toString());
                parameter.name = argument.value(QLatin1String("name")).toString();
                if (parameter.name.isEmpty())
                    parameter.name = QStringLiteral("argument%1").arg(i);
                method.parameters.append(parameter);
            }
            contract.methods.append(method);
        }
        if (!cls.value(QLatin1String("slots")).toArray().isEmpty()
            || !cls.value(QLatin1String("signals")).toArray().isEmpty()) {
            file->warnings.append(QStringLiteral("%1: slots and signals are not part of the contract; only "
                                                 "Q_INVOKABLE methods are called remotely")
                                      .arg(where));
        }
        file->contracts.append(contract);
    }
    return true;
}
