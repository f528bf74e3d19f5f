// chat-client: the chat's window, or with --console a line-oriented client for terminals and
// scripts; see docs/CHAT.md.

#include "appoptions.h"
#include "chatscreenshot.h"
#include "chatwindow.h"
#include "consolechat.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QSettings>
#include <QtWidgets/QApplication>

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

// Decided before any QCoreApplication exists: the console needs no display.
bool wantsConsole(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--console") == 0 || std::strcmp(argv[i], "-console") == 0)
            return true;
        if (std::strcmp(argv[i], "--") == 0)
            break;
    }
    return false;
}

QString defaultNickname()
{
    const QString user = qEnvironmentVariable("USER");
    return user.isEmpty() ? QStringLiteral("guest") : user;
}

} // namespace

int main(int argc, char *argv[])
{
    const bool console = wantsConsole(argc, argv);
    std::unique_ptr<QCoreApplication> app;
    if (console)
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Burrow"));
    QCoreApplication::setApplicationName(QStringLiteral("chat-client"));
    QCoreApplication::setApplicationVersion(QStringLiteral("1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Burrow chat client: a window, or with --console lines on standard input and output (docs/CHAT.md)."));
    parser.addHelpOption();
    parser.addVersionOption();
    AppOptions options(AppOptions::Side::Client, 8870);
    options.addTo(parser);
    parser.addOption({QStringLiteral("console"),
                      QStringLiteral("No window: post each line of standard input, print what arrives; "
                                     "leave at the end of input.")});
    parser.addOption({QStringLiteral("nick"),
                      QStringLiteral("Nickname. The window connects at once when given."), QStringLiteral("name")});
    parser.addOption({QStringLiteral("screenshot"),
                      QStringLiteral("Play a scripted scene, save the window to <file> (PNG) and quit."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("screenshot-scene"),
                      QStringLiteral("conversation (default; with the server of --host/--port) or reconnecting "
                                     "(with a server of its own that goes away)."),
                      QStringLiteral("scene"), QStringLiteral("conversation")});
    parser.process(*app);

    QString error;
    if (!options.read(parser, &error)) {
        std::fprintf(stderr, "chat-client: %s\n", qPrintable(error));
        return 2;
    }
    const bool addressGiven = parser.isSet(QStringLiteral("host")) || parser.isSet(QStringLiteral("port"))
                              || parser.isSet(QStringLiteral("tls"));
    const QString nickname = parser.isSet(QStringLiteral("nick")) ? parser.value(QStringLiteral("nick")) : QString();

    if (console) {
        ConsoleChat chat;
        chat.session()->setClientSettings(options.clientSettings());
        QObject::connect(&chat, &ConsoleChat::finished, app.get(), [](int code) { QCoreApplication::exit(code); });
        chat.start(options.serverUrl(), nickname.isNull() ? defaultNickname() : nickname);
        return app->exec();
    }

    const QString screenshotFile = parser.value(QStringLiteral("screenshot"));
    const bool screenshot = !screenshotFile.isEmpty();
    // A scripted run leaves the user's preferences alone.
    std::unique_ptr<QSettings> preferences;
    if (!screenshot)
        preferences = std::make_unique<QSettings>();

    ChatWindow window(preferences.get());
    window.setClientSettings(options.clientSettings());
    if (addressGiven || window.serverAddress().isEmpty())
        window.setServerAddress(options.serverUrl().toString());
    if (!nickname.isNull())
        window.setNickname(nickname);
    else if (window.nickname().isEmpty())
        window.setNickname(defaultNickname());

    std::unique_ptr<ChatScreenshot> script;
    if (screenshot) {
        ChatScreenshot::Scene scene;
        if (!ChatScreenshot::sceneFromName(parser.value(QStringLiteral("screenshot-scene")), &scene)) {
            std::fprintf(stderr, "chat-client: --screenshot-scene must be conversation or reconnecting\n");
            return 2;
        }
        window.resize(820, 500);
        script = std::make_unique<ChatScreenshot>(&window, screenshotFile, scene, options.clientSettings());
        QObject::connect(script.get(), &ChatScreenshot::finished, app.get(),
                         [](int code) { QCoreApplication::exit(code); }, Qt::QueuedConnection);
        script->start();
    } else if (!nickname.isNull()) {
        window.connectToServer();
    }
    window.show();
    return app->exec();
}
