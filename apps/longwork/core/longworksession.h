#pragma once

#include <Burrow/settings.h>

#include <QtCore/QObject>
#include <QtCore/QUrl>

#include <memory>

class LongWorkSessionPrivate;
class WorkModel;

// The client side of the long-work sample, for the window and the console alike: connects to
// a longwork-server (reconnecting automatically when the settings say so), starts works with
// a callback each, keeps them in a WorkModel and follows the server's total work count.
// Nothing here blocks: every call to the server uses the asynchronous form.
//
// When the connection is lost, the works still running are marked failed ("connection lost"):
// the server forgot their callbacks with the connection, so their outcome will never arrive.
class LongWorkSession : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(int totalWorkCount READ totalWorkCount NOTIFY totalWorkCountChanged)
public:
    enum class State {
        Disconnected, // not connected, and not trying (see errorString())
        Connecting,   // first connection
        Connected,    // connected, and the server offers the LongWork service
        Reconnecting, // the connection was lost, or the first attempts failed: trying again
    };
    Q_ENUM(State)

    explicit LongWorkSession(QObject *parent = nullptr);
    ~LongWorkSession() override;

    Burrow::ClientSettings settings() const;
    void setSettings(const Burrow::ClientSettings &settings);

    void connectToServer(const QUrl &url);
    void disconnectFromServer();
    QUrl url() const;
    State state() const;
    // The last connection problem (empty once connected).
    QString errorString() const;
    static QString stateText(State state);

    WorkModel *model() const;

    // Starts a work: adds a running row to the model and asks the server. Returns the work's
    // id in the model, or 0 when the name is empty or the session is not Connected.
    quint64 startWork(const QString &workName);
    int runningWorkCount() const;

    // The server's total work count, or -1 until known; refreshed after each start and end.
    int totalWorkCount() const;
    void refreshTotalWorkCount();

Q_SIGNALS:
    void stateChanged(LongWorkSession::State state);
    void totalWorkCountChanged(int count);
    // The server accepted the work.
    void workStarted(quint64 id, const QString &workName);
    void workFinished(quint64 id, const QString &workName, int timeTaken);
    // From the server, or here: the request failed, or the connection was lost.
    void workFailed(quint64 id, const QString &workName, const QString &reason);
    // The connection to the server was lost (the works running are failed first).
    void connectionLost(const QString &reason);
    // A connection attempt failed, or the server does not offer the service.
    void errorOccurred(const QString &message);

private:
    friend class LongWorkSessionPrivate;
    std::unique_ptr<LongWorkSessionPrivate> d;
};
