// burrow-contractgen: reads the JSON that `moc --output-json` writes for a contract header and
// generates the remote proxies, dispatchers, ContractInfo definitions (<name>_burrow.cpp) and
// the asynchronous wrappers (<name>_burrow.h). Run by burrow_add_contracts() in
// BurrowMacros.cmake; not meant to be run by hand.

#include "codewriter.h"
#include "contractmodel.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonDocument>
#include <QtCore/QSaveFile>

#include <cstdio>

namespace {

void printError(const QString &message)
{
    std::fprintf(stderr, "burrow-contractgen: error: %s\n", qPrintable(message));
}

bool writeFile(const QString &path, const QByteArray &contents)
{
    // Leave an unchanged file alone, so that its dependants are not rebuilt.
    QFile existing(path);
    if (existing.open(QIODevice::ReadOnly) && existing.readAll() == contents)
        return true;
    existing.close();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        printError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    file.write(contents);
    if (!file.commit()) {
        printError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication application(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("burrow-contractgen"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Generates Burrow remote proxies, dispatchers and asynchronous wrappers from moc's JSON output."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("json"), QStringLiteral("The file written by moc --output-json."));
    const QCommandLineOption sourceOption(QStringLiteral("o"), QStringLiteral("Generated source file."),
                                          QStringLiteral("file"));
    const QCommandLineOption headerOption(QStringLiteral("header"), QStringLiteral("Generated header file."),
                                          QStringLiteral("file"));
    const QCommandLineOption includeOption(QStringLiteral("include"),
                                           QStringLiteral("The contract header, as the generated header includes it."),
                                           QStringLiteral("path"));
    const QCommandLineOption hashesOption(QStringLiteral("print-hashes"),
                                          QStringLiteral("Print each contract's interface name and hash, and write nothing."));
    parser.addOptions({sourceOption, headerOption, includeOption, hashesOption});
    parser.process(application);

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) {
        printError(QStringLiteral("expected exactly one JSON input file"));
        return 2;
    }
    QFile input(positional.first());
    if (!input.open(QIODevice::ReadOnly)) {
        printError(QStringLiteral("cannot read %1: %2").arg(input.fileName(), input.errorString()));
        return 1;
    }
    QJsonParseError parseError;
    const QJsonDocument json = QJsonDocument::fromJson(input.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !json.isObject()) {
        printError(QStringLiteral("%1 is not moc JSON output: %2").arg(input.fileName(), parseError.errorString()));
        return 1;
    }

    ContractFile contracts;
    QString errorString;
    if (!readContracts(json, &contracts, &errorString)) {
        printError(errorString);
        return 1;
    }
    for (const QString &warning : std::as_const(contracts.warnings))
        std::fprintf(stderr, "burrow-contractgen: warning: %s\n", qPrintable(warning));

    if (parser.isSet(hashesOption)) {
        for (const ContractModel &contract : std::as_const(contracts.contracts))
            std::printf("%s %s\n", qPrintable(contract.interfaceName), contract.hash().constData());
        return 0;
    }

    if (!parser.isSet(sourceOption) || !parser.isSet(headerOption)) {
        printError(QStringLiteral("-o <source> and --header <header> are required"));
        return 2;
    }
    QString contractHeader = parser.value(includeOption);
    if (contractHeader.isEmpty())
        contractHeader = contracts.inputFile;
    const QString headerPath = parser.value(headerOption);

    if (!writeFile(headerPath, generateHeader(contracts, contractHeader)))
        return 1;
    if (!writeFile(parser.value(sourceOption), generateSource(contracts, QFileInfo(headerPath).fileName())))
        return 1;
    return 0;
}
