#include <QtTest/QtTest>

class tst_HttpConnection : public QObject
{
    Q_OBJECT
};

QTEST_MAIN(tst_HttpConnection)
#include "tst_httpconnection.moc"
