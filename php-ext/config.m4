dnl config.m4 for the zookeeper extension (pecl zookeeper 1.x API)

PHP_ARG_WITH([zookeeper],
  [for zookeeper support],
  [AS_HELP_STRING([[--with-zookeeper[=DIR]]],
    [Include zookeeper support. DIR is an install prefix or a zkrs source tree
     (headers in DIR/include/zookeeper, library in DIR/lib or DIR/target/release,
     or in the directory the ZOOKEEPER_LIBDIR environment variable names)])])

PHP_ARG_ENABLE([zookeeper-session],
  [whether to enable the zookeeper session handler],
  [AS_HELP_STRING([--disable-zookeeper-session],
    [Do not build the session.save_handler=zookeeper handler])],
  [yes], [no])

if test "$PHP_ZOOKEEPER" != "no"; then
  AC_MSG_CHECKING([for zookeeper/zookeeper.h])
  ZK_INC_DIR=""
  for dir in $PHP_ZOOKEEPER /usr/local /usr; do
    if test "$dir" != "yes" && test -r "$dir/include/zookeeper/zookeeper.h"; then
      ZK_PREFIX=$dir
      ZK_INC_DIR=$dir/include/zookeeper
      break
    fi
  done
  if test -z "$ZK_INC_DIR"; then
    AC_MSG_RESULT([not found])
    AC_MSG_ERROR([zookeeper.h not found; pass --with-zookeeper=<prefix or zkrs tree>])
  fi
  AC_MSG_RESULT([$ZK_INC_DIR])

  AC_MSG_CHECKING([for libzookeeper_mt])
  ZK_LIB_DIR=""
  for dir in $ZOOKEEPER_LIBDIR $ZK_PREFIX/target/release $ZK_PREFIX/lib $ZK_PREFIX/$PHP_LIBDIR \
             $ZK_PREFIX/lib/x86_64-linux-gnu $ZK_PREFIX/lib64 /usr/lib/x86_64-linux-gnu; do
    if test -r "$dir/libzookeeper_mt.so" || test -r "$dir/libzookeeper_mt.so.2" || test -r "$dir/libzookeeper_mt.a"; then
      ZK_LIB_DIR=$dir
      break
    fi
  done
  if test -z "$ZK_LIB_DIR"; then
    AC_MSG_RESULT([not found])
    AC_MSG_ERROR([libzookeeper_mt not found under $ZK_PREFIX])
  fi
  AC_MSG_RESULT([$ZK_LIB_DIR])

  dnl The library's SONAME is libzookeeper_mt.so.2, which is what the loader
  dnl looks for at run time; a cargo build only produces libzookeeper_mt.so.
  if test -r "$ZK_LIB_DIR/libzookeeper_mt.so" && test ! -e "$ZK_LIB_DIR/libzookeeper_mt.so.2"; then
    if ln -s libzookeeper_mt.so "$ZK_LIB_DIR/libzookeeper_mt.so.2" 2>/dev/null; then
      AC_MSG_NOTICE([created $ZK_LIB_DIR/libzookeeper_mt.so.2 -> libzookeeper_mt.so])
    else
      AC_MSG_WARN([$ZK_LIB_DIR has no libzookeeper_mt.so.2; the loader may pick another libzookeeper_mt])
    fi
  fi

  PHP_ADD_INCLUDE($ZK_INC_DIR)
  if test -r "$ZK_LIB_DIR/libzookeeper_mt.so"; then
    PHP_ADD_LIBRARY_WITH_PATH(zookeeper_mt, $ZK_LIB_DIR, ZOOKEEPER_SHARED_LIBADD)
  else
    dnl Debian ships only the versioned runtime name without the -dev symlink in some setups
    ZOOKEEPER_SHARED_LIBADD="$ZOOKEEPER_SHARED_LIBADD -Wl,-rpath,$ZK_LIB_DIR $ZK_LIB_DIR/libzookeeper_mt.so.2"
  fi
  PHP_ADD_LIBRARY(pthread, 1, ZOOKEEPER_SHARED_LIBADD)

  old_CPPFLAGS=$CPPFLAGS
  old_LIBS=$LIBS
  CPPFLAGS="$CPPFLAGS -DTHREADED -I$ZK_INC_DIR"
  LIBS="$LIBS -L$ZK_LIB_DIR -lzookeeper_mt"
  AC_MSG_CHECKING([whether libzookeeper_mt links])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <zookeeper.h>]], [[zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); return zoo_exists(0, "/", 0, 0);]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no]); AC_MSG_ERROR([cannot link against libzookeeper_mt in $ZK_LIB_DIR])])
  CPPFLAGS=$old_CPPFLAGS
  LIBS=$old_LIBS

  ZK_SOURCES="php_zookeeper.c zk_events.c zk_acl_stat.c zk_config_class.c zk_exceptions.c"
  if test "$PHP_ZOOKEEPER_SESSION" != "no"; then
    AC_DEFINE(HAVE_ZOOKEEPER_SESSION, 1, [Session handler enabled])
    ZK_SOURCES="$ZK_SOURCES zk_session.c"
    PHP_ADD_EXTENSION_DEP(zookeeper, session)
  fi

  AC_DEFINE(HAVE_ZOOKEEPER, 1, [zookeeper support])
  PHP_SUBST(ZOOKEEPER_SHARED_LIBADD)
  PHP_NEW_EXTENSION(zookeeper, $ZK_SOURCES, $ext_shared,, -DZEND_ENABLE_STATIC_TSRMLS_CACHE=1)
fi
