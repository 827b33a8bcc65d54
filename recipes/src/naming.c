#include "zkr_internal.h"
#include <zkr/naming.h>

#include <string.h>

int zkr_name_register(zhandle_t *zh, const char *prefix, const char *data, int data_len,
                      int ephemeral, char *name_out, int name_cap, int64_t *seq_out)
{
    int rc;

    if (zh == NULL || prefix == NULL || prefix[0] != '/' || name_out == NULL ||
        name_cap < (int)strlen(prefix) + 11)
        return ZBADARGUMENTS;
    rc = zkr_mkdirs_parent(zh, prefix);
    if (rc != ZOK)
        return rc;
    rc = zoo_create(zh, prefix, data, data == NULL ? -1 : data_len, &ZOO_OPEN_ACL_UNSAFE,
                    ZOO_SEQUENCE | (ephemeral ? ZOO_EPHEMERAL : 0), name_out, name_cap);
    if (rc == ZOK && seq_out != NULL)
        *seq_out = zkr_sequence(name_out);
    return rc;
}
