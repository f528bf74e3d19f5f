#include "chatscreenshot.h"

#include "chathistorymodel.h"
#include "chatservice.h"
#include "chatsession.h"
#include "chatwindow.h"

#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtGui/QPixmap>
#include <QtWidgets/QLineEdit>

#include <cstdio>

namespace {
constexpr int stepPause = 250;   // milliseconds between steps, so that they read in order
constexpr int timeout = 30000;
} // namespace

ChatScreenshot::ChatScreenshot(ChatWindow *window, const QString &file, Scene scene,
                               const Burrow::ClientSettings &settings, QObject *parent)
    : QObject(parent), m_window(window), m_file(file), m_scene(scene), m_settings(settings)
{
    m_timer.setInterval(40);
    connect(&m_timer, &QTimer::timeout, this, &ChatScreenshot::poll);
}

ChatScreenshot::~ChatScreenshot()
{
    qDeleteAll(m_participants);
}

bool ChatScreenshot::sceneFromName(const QString &name, Scene *scene)
{
    if (name == QLatin1String("conversation"))
        *scene = Scene::Conversation;
    else if (name == QLatin1String("reconnecting"))
        *scene = Scene::Reconnecting;
    else
        return false;
    return true;
}

ChatSession *ChatScreenshot::participant(const QString &nickname)
{
    for (ChatSession *session : std::as_const(m_participants)) {
        if (session->nickname() == nickname)
            return session;
    }
    auto *session = new ChatSession;
    session->setClientSettings(m_settings);
    session->open(m_url, nickname);
    m_participants.append(session);
    return session;
}

bool ChatScreenshot::windowSaw(const QString &text) const
{
    for (const QString &line : m_window->history()->lines()) {
        if (line.endsWith(text))
            return true;
    }
    return false;
}

void ChatScreenshot::start()
{
    if (m_scene == Scene::Reconnecting)
        playReconnecting();
    else
        playConversation();
    m_next = 0;
    m_sinceStep.start();
    m_total.start();
    m_timer.start();
}

void ChatScreenshot::addGrab(int delay)
{
    m_steps.append({[this, delay] { return m_sinceStep.elapsed() > delay; },
                    [this] {
                        const QPixmap picture = m_window->grab();
                        if (!picture.save(m_file, "PNG")) {
                            fail(QStringLiteral("cannot write %1").arg(m_file));
                            return;
                        }
                        std::fprintf(stdout, "screenshot: %s (%dx%d)\n", qPrintable(m_file), picture.width(),
                                     picture.height());
                        std::fflush(stdout);
                        Q_EMIT finished(0);
                    }});
}

void ChatScreenshot::playReconnecting()
{
    ChatWindow *w = m_window;
    m_registry = std::make_unique<Burrow::ServiceRegistry>();
    m_server = std::make_unique<Burrow::Server>();
    ChatService::registerWith(m_registry.get());
    m_registry->attach(m_server.get());
    if (!m_server->listen(QHostAddress::LocalHost, 0)) {
        fail(QStringLiteral("cannot listen: %1").arg(m_server->errorString()));
        return;
    }
    w->setServerAddress(m_server->webSocketUrl().toString());
    auto always = [] { return true; };
    auto sees = [this](const QString &text) { return [this, text] { return windowSaw(text); }; };
    m_steps = {
        {always, [w] { w->connectToServer(); }},
        {[w] { return w->session()->isJoined(); }, [this] { m_url = m_window->session()->url(); participant(QStringLiteral("ops")); }},
        {[this] { return participant(QStringLiteral("ops"))->isJoined(); },
         [this] { participant(QStringLiteral("ops"))->send(QStringLiteral("Restarting the chat server for the upgrade, back in a minute.")); }},
        {sees(QStringLiteral("back in a minute.")),
         [w] {
             w->findChild<QLineEdit *>(QStringLiteral("messageEdit"))->setText(QStringLiteral("OK, go ahead"));
             w->sendMessage();
         }},
        {sees(QStringLiteral("OK, go ahead")),
         [this] {
             // The server goes away: the window keeps trying.
             m_server.reset();
             m_registry.reset();
         }},
        {[w] { return w->session()->state() == ChatSession::State::Reconnecting; },
         [w] { w->findChild<QLineEdit *>(QStringLiteral("messageEdit"))->setText(QStringLiteral("Is it back yet?")); }},
    };
    addGrab(1500);
}

void ChatScreenshot::playConversation()
{
    ChatWindow *w = m_window;
    auto always = [] { return true; };
    auto joined = [this](const QString &nickname) {
        return [this, nickname] {
            for (ChatSession *session : std::as_const(m_participants)) {
                if (session->nickname() == nickname)
                    return session->isJoined();
            }
            return false;
        };
    };
    auto sees = [this](const QString &text) { return [this, text] { return windowSaw(text); }; };
    auto say = [this](const QString &nickname, const QString &text) {
        return [this, nickname, text] { participant(nickname)->send(text); };
    };
    auto type = [w](const QString &text) {
        return [w, text] {
            auto *edit = w->findChild<QLineEdit *>(QStringLiteral("messageEdit"));
            edit->setText(text);
            w->sendMessage();
        };
    };

    m_steps = {
        {always, [w] { w->connectToServer(); }},
        {[w] { return w->session()->isJoined(); }, [this] { m_url = m_window->session()->url(); participant(QStringLiteral("bob")); }},
        {joined(QStringLiteral("bob")), say(QStringLiteral("bob"), QStringLiteral("Morning! Is the release build green?"))},
        {sees(QStringLiteral("<bob> Morning! Is the release build green?")),
         type(QStringLiteral("Green on both machines. Tagging 1.0 now."))},
        {sees(QStringLiteral("Tagging 1.0 now.")), [this] { participant(QStringLiteral("carol")); }},
        {joined(QStringLiteral("carol")), say(QStringLiteral("carol"), QStringLiteral("I'll update the changelog and the screenshots."))},
        {sees(QStringLiteral("and the screenshots.")), say(QStringLiteral("bob"), QStringLiteral("Great. Who writes the release notes?"))},
        {sees(QStringLiteral("Who writes the release notes?")),
         type(QStringLiteral("Me: a draft within the hour, with the chat figures from docs/CHAT.md."))},
        {sees(QStringLiteral("docs/CHAT.md.")), [this] { participant(QStringLiteral("dave")); }},
        {joined(QStringLiteral("dave")), [this] { participant(QStringLiteral("dave"))->abort(); }},
        {sees(QStringLiteral("dave left (connection lost)")),
         say(QStringLiteral("carol"), QStringLiteral("Changelog pushed. Heading out, see you tomorrow!"))},
        {sees(QStringLiteral("see you tomorrow!")), [this] { participant(QStringLiteral("carol"))->close(); }},
        {sees(QStringLiteral("carol left")),
         [w] { w->findChild<QLineEdit *>(QStringLiteral("messageEdit"))->setText(QStringLiteral("Thanks both, ")); }},
    };
    addGrab(600);
}

void ChatScreenshot::poll()
{
    if (m_next >= m_steps.size()) {
        m_timer.stop();
        return;
    }
    if (m_total.elapsed() > timeout) {
        fail(QStringLiteral("step %1 of the script did not happen within %2 ms").arg(m_next + 1).arg(timeout));
        return;
    }
    const Step &step = m_steps.at(m_next);
    if (m_sinceStep.elapsed() < stepPause || !step.ready())
        return;
    ++m_next;
    m_sinceStep.restart();
    step.action();
}

void ChatScreenshot::fail(const QString &why)
{
    m_timer.stop();
    std::fprintf(stderr, "chat-client: screenshot failed: %s\n", qPrintable(why));
    Q_EMIT finished(1);
}
