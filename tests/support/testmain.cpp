#include <gtest/gtest.h>

#ifdef AF_TEST_GUI
// tests/ui binaries compile this file themselves with AF_TEST_GUI: Qt Quick needs a
// QGuiApplication, and the offscreen platform needs no display.
#include <QGuiApplication>
using TestApplication = QGuiApplication;
#else
#include <QCoreApplication>
using TestApplication = QCoreApplication;
#endif

int main(int argc, char **argv)
{
#ifdef AF_TEST_GUI
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
#endif
    TestApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
