/* CHECK: the test programs' assertion. A failed check prints where and
 * what, and exits 1, which the Rust test that runs the program reports. */
#ifndef ZKRS_TEST_CHECK_H
#define ZKRS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            printf("CHECK FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
            fflush(stdout);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#endif
