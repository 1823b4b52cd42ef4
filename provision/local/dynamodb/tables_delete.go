package dynamodb

import (
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
	if t.meta.TableStatus == "CREATING" || t.meta.TableStatus == "UPDATING" || t.meta.TableStatus == "DELETING" {
		st := t.meta.TableStatus
		s.mu.Unlock()
		return nil, inUse("Attempt to change a resource which is still in use: Table is being " + map[string]string{"CREATING": "created", "UPDATING": "updated", "DELETING": "deleted"}[st] + ": " + *in.TableName)
	}
	if sseUpdating(&t.meta) {
		s.mu.Unlock()
		return nil, inUse("Attempt to change a resource which is still in use: Table: " + *in.TableName + " is in the process of being updated.")
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
	desc := s.describe(t)
	s.mu.Unlock()
	s.later(s.env.DeleteDelay, func() { s.dropTable(m.TableName, t) })
	return map[string]any{"TableDescription": desc}, nil
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
		if tx.Bucket(t.bucket) != nil {
			return tx.DeleteBucket(t.bucket)
		}
		return nil
	})
	if err != nil {
		s.log.Error("dynamodb: delete table", "table", name, "err", err)
		return
	}
	delete(s.tables, name)
}
