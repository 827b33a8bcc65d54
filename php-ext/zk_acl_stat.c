/* Conversions between the library's Stat/ACL records and PHP values. */
#include "php_zookeeper.h"
#include <stdlib.h>
#include <string.h>

void php_zk_stat_to_array(const struct Stat *stat, zval *out)
{
	zval_ptr_dtor(out);
	array_init(out);
	/* 64-bit fields as floats, the array shape pecl returns. */
	add_assoc_double(out, "czxid", (double)stat->czxid);
	add_assoc_double(out, "mzxid", (double)stat->mzxid);
	add_assoc_double(out, "ctime", (double)stat->ctime);
	add_assoc_double(out, "mtime", (double)stat->mtime);
	add_assoc_long(out, "version", stat->version);
	add_assoc_long(out, "cversion", stat->cversion);
	add_assoc_long(out, "aversion", stat->aversion);
	add_assoc_double(out, "ephemeralOwner", (double)stat->ephemeralOwner);
	add_assoc_long(out, "dataLength", stat->dataLength);
	add_assoc_long(out, "numChildren", stat->numChildren);
	add_assoc_double(out, "pzxid", (double)stat->pzxid);
}

/* Entries that are not arrays with perms/scheme/id are skipped, as in pecl. */
int php_zk_acl_from_array(zval *arr, struct ACL_vector *aclv)
{
	zval *entry;
	uint32_t size = zend_hash_num_elements(Z_ARRVAL_P(arr));
	int i = 0;

	aclv->count = 0;
	aclv->data = size ? calloc(size, sizeof(struct ACL)) : NULL;
	if (size && !aclv->data) {
		return FAILURE;
	}
	ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(arr), entry) {
		zval *perms, *scheme, *id;
		zend_string *s_scheme, *s_id;
		ZVAL_DEREF(entry);
		if (Z_TYPE_P(entry) != IS_ARRAY) {
			continue;
		}
		perms = zend_hash_str_find_deref(Z_ARRVAL_P(entry), ZEND_STRL("perms"));
		scheme = zend_hash_str_find_deref(Z_ARRVAL_P(entry), ZEND_STRL("scheme"));
		id = zend_hash_str_find_deref(Z_ARRVAL_P(entry), ZEND_STRL("id"));
		if (!perms || !scheme || !id) {
			continue;
		}
		s_scheme = zval_get_string(scheme);
		s_id = zval_get_string(id);
		aclv->data[i].perms = (int32_t)zval_get_long(perms);
		aclv->data[i].id.scheme = strdup(ZSTR_VAL(s_scheme));
		aclv->data[i].id.id = strdup(ZSTR_VAL(s_id));
		zend_string_release(s_scheme);
		zend_string_release(s_id);
		i++;
	} ZEND_HASH_FOREACH_END();
	aclv->count = i;
	return SUCCESS;
}

void php_zk_acl_free(struct ACL_vector *aclv)
{
	int i;
	for (i = 0; i < aclv->count; i++) {
		free(aclv->data[i].id.scheme);
		free(aclv->data[i].id.id);
	}
	free(aclv->data);
	aclv->data = NULL;
	aclv->count = 0;
}

void php_zk_acl_to_array(const struct ACL_vector *aclv, zval *out)
{
	int i;
	array_init(out);
	for (i = 0; i < aclv->count; i++) {
		zval entry;
		array_init(&entry);
		add_assoc_long(&entry, "perms", aclv->data[i].perms);
		add_assoc_string(&entry, "scheme", aclv->data[i].id.scheme ? aclv->data[i].id.scheme : "");
		add_assoc_string(&entry, "id", aclv->data[i].id.id ? aclv->data[i].id.id : "");
		add_next_index_zval(out, &entry);
	}
}

void php_zk_default_acl_array(zval *out)
{
	zval entry;
	array_init(&entry);
	add_assoc_long(&entry, "perms", ZOO_PERM_ALL);
	add_assoc_string(&entry, "scheme", "world");
	add_assoc_string(&entry, "id", "anyone");
	array_init(out);
	add_next_index_zval(out, &entry);
}

/* Stores a stat array into a by-reference parameter. */
void php_zk_assign_stat(zval *ref, const struct Stat *stat)
{
	zval tmp;
	ZVAL_NULL(&tmp);
	php_zk_stat_to_array(stat, &tmp);
	ZEND_TRY_ASSIGN_REF_TMP(ref, &tmp);
}

/* The end of every method returning node data: the stat into its reference
 * when one was given, the data as the return value (NULL for a node without
 * data, length -1). Frees buffer. */
void php_zk_return_data(zval *return_value, char *buffer, int length, zval *stat_ref, const struct Stat *stat)
{
	if (stat_ref) {
		php_zk_assign_stat(stat_ref, stat);
	}
	if (length < 0) {
		RETVAL_NULL();
	} else {
		RETVAL_STRINGL(buffer, length);
	}
	efree(buffer);
}
