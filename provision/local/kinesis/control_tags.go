package kinesis

import (
	"sort"
)

type addTagsInput struct {
	streamRef
	Tags map[string]string `json:"Tags"`
}

func (s *Service) addTagsToStream(c codec, body []byte) (any, *apiError) {
	var in addTagsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.notNull(in.Tags != nil, "tags")
	if in.Tags != nil {
		v.tagMap(in.Tags, "tags", 1, maxTagsPerCall)
	}
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	if e := checkTags(in.Tags, "add tags to", name, s.env.AccountID); e != nil {
		return nil, e
	}
	return s.updateMeta(st, func() *apiError {
		if e := s.tagsSettled(st, name); e != nil {
			return e
		}
		merged := len(st.meta.Tags)
		for k := range in.Tags {
			if _, ok := st.meta.Tags[k]; !ok {
				merged++
			}
		}
		if merged > maxStreamTags {
			return tooManyTags("add tags to", "stream", name, s.env.AccountID)
		}
		if st.meta.Tags == nil {
			st.meta.Tags = map[string]string{}
		}
		for k, val := range in.Tags {
			st.meta.Tags[k] = val
		}
		return nil
	})
}

type removeTagsInput struct {
	streamRef
	TagKeys []string `json:"TagKeys"`
}

func (s *Service) removeTagsFromStream(c codec, body []byte) (any, *apiError) {
	var in removeTagsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.notNull(in.TagKeys != nil, "tagKeys")
	if in.TagKeys != nil {
		v.tagKeys(in.TagKeys, "tagKeys")
	}
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	if e := checkTagChars(in.TagKeys, "remove tags from", name, s.env.AccountID); e != nil {
		return nil, e
	}
	return s.updateMeta(st, func() *apiError {
		if e := s.tagsSettled(st, name); e != nil {
			return e
		}
		for _, k := range in.TagKeys {
			delete(st.meta.Tags, k)
		}
		return nil
	})
}

type listTagsInput struct {
	streamRef
	ExclusiveStartTagKey *string `json:"ExclusiveStartTagKey"`
	Limit                *int64  `json:"Limit"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func (s *Service) listTagsForStream(c codec, body []byte) (any, *apiError) {
	var in listTagsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.intRange(in.Limit, "limit", 1, 50)
	v.optLength(in.ExclusiveStartTagKey, "exclusiveStartTagKey", 1, 128)
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	limit := 50
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return nil, s.streamNotFound(name)
	}
	keys := make([]string, 0, len(st.meta.Tags))
	for k := range st.meta.Tags {
		if in.ExclusiveStartTagKey == nil || k > *in.ExclusiveStartTagKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	more := len(keys) > limit
	if more {
		keys = keys[:limit]
	}
	tags := make([]tag, len(keys))
	for i, k := range keys {
		tags[i] = tag{k, st.meta.Tags[k]}
	}
	return map[string]any{"Tags": tags, "HasMoreTags": more}, nil
}

// tagsSettled refuses a change of a stream's tags while it is being
// created or deleted: the CreateStream reference says the tags given at
// creation take effect at once but cannot be changed until the stream is
// ACTIVE. The caller holds st.mu.
func (s *Service) tagsSettled(st *stream, name string) *apiError {
	if status := st.meta.Status; status == statusCreating || status == statusDeleting {
		return s.streamNotActive(name, status)
	}
	return nil
}
