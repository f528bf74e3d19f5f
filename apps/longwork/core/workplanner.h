#pragma once

#include <QtCore/QMutex>
#include <QtCore/QRandomGenerator>

#include <optional>

// How the long-work service's fake works behave.
class LongWorkSettings
{
public:
    // Mean duration of a work, in milliseconds.
    int meanDuration() const { return m_meanDuration; }
    void setMeanDuration(int milliseconds) { m_meanDuration = milliseconds; }
    // Relative spread around the mean: 0.2 gives durations from 80 % to 120 % of it.
    double jitter() const { return m_jitter; }
    void setJitter(double jitter) { m_jitter = jitter; }
    // Share of works that end in failure, from 0 to 1.
    double failureRate() const { return m_failureRate; }
    void setFailureRate(double rate) { m_failureRate = rate; }
    // With a seed, the n-th work started always gets the same duration and outcome.
    std::optional<quint32> seed() const { return m_seed; }
    void setSeed(std::optional<quint32> seed) { m_seed = seed; }
    // Works running at the same time, each on its own thread; more wait for a free thread
    // (their time still counts from startWork()).
    int maxConcurrentWorks() const { return m_maxConcurrentWorks; }
    void setMaxConcurrentWorks(int count) { m_maxConcurrentWorks = count; }

private:
    int m_meanDuration = 5000;
    double m_jitter = 0.2;
    double m_failureRate = 0.2;
    std::optional<quint32> m_seed;
    int m_maxConcurrentWorks = 256;
};

// Draws the duration and the outcome of each work, in the order works are started.
// Thread-safe. Tests build one with the server's settings to know what the server will do.
class WorkPlanner
{
    Q_DISABLE_COPY_MOVE(WorkPlanner)
public:
    struct Plan
    {
        int duration = 0; // milliseconds
        bool fails = false;
    };

    explicit WorkPlanner(const LongWorkSettings &settings);

    Plan next();

private:
    QMutex m_mutex;
    QRandomGenerator m_random;
    const int m_meanDuration;
    const double m_jitter;
    const double m_failureRate;
};
