#include "workplanner.h"

#include <algorithm>
#include <cmath>

WorkPlanner::WorkPlanner(const LongWorkSettings &settings)
    : m_random(settings.seed() ? QRandomGenerator(*settings.seed()) : QRandomGenerator::securelySeeded()),
      m_meanDuration(std::max(settings.meanDuration(), 0)),
      m_jitter(std::clamp(settings.jitter(), 0.0, 1.0)),
      m_failureRate(std::clamp(settings.failureRate(), 0.0, 1.0))
{
}

WorkPlanner::Plan WorkPlanner::next()
{
    QMutexLocker locker(&m_mutex);
    // Always two draws per work, so that the n-th plan depends only on the seed and n.
    const double spread = m_random.generateDouble() * 2.0 - 1.0;
    const double outcome = m_random.generateDouble();
    Plan plan;
    plan.duration = int(std::lround(m_meanDuration * (1.0 + m_jitter * spread)));
    plan.fails = outcome < m_failureRate;
    return plan;
}
