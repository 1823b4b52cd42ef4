package dynamodb

import (
	"slices"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

func (s *Service) deleteTable(body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableRef(in.TableName, "tableName"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	t, ok := s.tables[s.tableName(*in.TableName)]
	if !ok {
		s.mu.Unlock()
		return nil, notFound("Requested resource not found: Table: " + *in.TableName + " not found")
	}
	if t.meta.TableStatus == "DELETING" {
		// "If table is already in the DELETING state, no error is
		// returned" (the DeleteTable reference): a second delete, such as
		// an interrupted teardown run again, is answered as the first.
		desc := s.deleteAnswer(t)
		s.mu.Unlock()
		return map[string]any{"TableDescription": desc}, nil
	}
	if why := deleteRefusal(&t.meta, *in.TableName); why != "" {
		s.mu.Unlock()
		return nil, stillInUse(why)
	}
	if t.meta.DeletionProtection {
		s.mu.Unlock()
		return nil, validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	m := t.meta
	m.TableStatus = "DELETING"
	err := s.env.DB.Update(func(tx *store.Tx) error {
		// The stream goes DISABLED with the table and stays readable; the
		// DELETING description still shows the specification it had.
		spec := m.StreamSpecification
		if err := stopStream(tx, &m, s.env.Now(), s.env.DeleteDelay); err != nil {
			return err
		}
		m.StreamSpecification = spec
		return s.saveMeta(tx, &m)
	})
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	t.meta = m
	t.generation++
	desc := s.deleteAnswer(t)
	s.mu.Unlock()
	s.later(s.env.DeleteDelay, func() { s.dropTable(m.TableName, t) })
	return map[string]any{"TableDescription": desc}, nil
}

// deleteAnswer is DeleteTable's TableDescription, which describes less than
// DescribeTable does; s.mu is held.
func (s *Service) deleteAnswer(t *table) map[string]any {
	desc := s.describe(t)
	delete(desc, "KeySchema")
	delete(desc, "AttributeDefinitions")
	delete(desc, "CreationDateTime")
	delete(desc, "GlobalSecondaryIndexes")
	delete(desc, "LocalSecondaryIndexes")
	return desc
}

// deleteRefusal is why a table cannot be deleted yet, in DynamoDB's words,
// or "": it is being created or deleted, its stream or an index is
// changing, or it is being updated otherwise (encryption included).
func deleteRefusal(m *tableMeta, name string) string {
	indexes := slices.ContainsFunc(m.GSIs, func(g indexMeta) bool { return g.IndexStatus != "ACTIVE" })
	switch {
	case m.TableStatus == "CREATING":
		return "Table is being created: " + name
	case m.TableStatus == "DELETING":
		return "Table is being deleted: " + name
	case m.TableStatus == "UPDATING" && m.StreamChanging:
		return "Cannot delete table while stream is being enabled/disabled."
	case indexes:
		return "Cannot delete table while indexes are being created, updated, or deleted."
	case m.TableStatus == "UPDATING" || sseUpdating(m):
		return "Table: " + name + " is in the process of being updated."
	}
	return ""
}

// dropTable removes a DELETING table and its items.
func (s *Service) dropTable(name string, t *table) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables[name] != t {
		return
	}
	err := s.env.DB.Update(func(tx *store.Tx) error {
		if err := tx.Bucket(tablesBucket).Delete([]byte(name)); err != nil {
			return err
		}
		if err := syncIndexes(tx, t, nil); err != nil {
			return err
		}
		// Its Kinesis destinations go with it (a start removed them only
		// then, so they piled up in a long-running endpoint).
		if err := tx.Bucket(destinationsBucket).Delete([]byte(t.meta.TableID)); err != nil {
			return err
		}
		if tx.Bucket(t.bucket) != nil {
			return tx.DeleteBucket(t.bucket)
		}
		return nil
	})
	if err != nil {
		// Nothing changed in memory or on disk: the table stays DELETING,
		// and the drop is tried again, as a restart would.
		s.log.Error("dynamodb: delete table; trying again in a second", "table", name, "err", err)
		s.later(time.Second, func() { s.dropTable(name, t) })
		return
	}
	delete(s.tables, name)
}
