# The service half of the Debian package: systemd unit, system user, settings file,
# bash completion, copyright and changelog, maintainer scripts. Included from the top
# CMakeLists.txt before include(CPack). Paths are Debian 12's.
set(AF_DEBIAN_DIR ${CMAKE_CURRENT_LIST_DIR})

find_package(PkgConfig QUIET)
pkg_get_variable(AF_SYSTEMD_UNIT_DIR systemd systemdsystemunitdir)
pkg_get_variable(AF_SYSUSERS_DIR systemd sysusersdir)
if(NOT AF_SYSTEMD_UNIT_DIR)
  set(AF_SYSTEMD_UNIT_DIR /lib/systemd/system)
endif()
if(NOT AF_SYSUSERS_DIR)
  set(AF_SYSUSERS_DIR /usr/lib/sysusers.d)
endif()

install(FILES ${AF_DEBIAN_DIR}/activityfeed.service DESTINATION ${AF_SYSTEMD_UNIT_DIR})
install(FILES ${AF_DEBIAN_DIR}/activityfeed.sysusers DESTINATION ${AF_SYSUSERS_DIR}
        RENAME activityfeed.conf)
# Readable by root only: it may hold the drain secret (systemd reads it as root).
install(FILES ${AF_DEBIAN_DIR}/activityfeed.default DESTINATION /etc/default
        RENAME activityfeed PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${AF_DEBIAN_DIR}/activityfeed.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME activityfeed)
install(FILES ${AF_DEBIAN_DIR}/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME activityfeed)

# Debian wants the changelog and the manual page compressed with gzip -9n (no name, no
# time stamp).
set(AF_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/debian/changelog.gz)
set(AF_MANPAGE_GZ ${CMAKE_BINARY_DIR}/debian/activityfeed.1.gz)
add_custom_command(OUTPUT ${AF_CHANGELOG_GZ} ${AF_MANPAGE_GZ}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/debian
  COMMAND sh -c "gzip -9nc '${AF_DEBIAN_DIR}/changelog' > '${AF_CHANGELOG_GZ}'"
  COMMAND sh -c "gzip -9nc '${AF_DEBIAN_DIR}/activityfeed.1' > '${AF_MANPAGE_GZ}'"
  DEPENDS ${AF_DEBIAN_DIR}/changelog ${AF_DEBIAN_DIR}/activityfeed.1 VERBATIM)
add_custom_target(af_debian_docs ALL DEPENDS ${AF_CHANGELOG_GZ} ${AF_MANPAGE_GZ})
install(FILES ${AF_CHANGELOG_GZ} ${AF_DEBIAN_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/activityfeed)
install(FILES ${AF_MANPAGE_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/activityfeed)

# `cpack` and `cmake --install` package what is built; without this, cpack first runs
# the whole 'all' check, whose automoc steps alone take about a minute on this tree.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${AF_DEBIAN_DIR}/conffiles ${AF_DEBIAN_DIR}/postinst ${AF_DEBIAN_DIR}/prerm ${AF_DEBIAN_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
