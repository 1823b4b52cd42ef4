package view

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// attrText writes an attribute value compactly for comparisons.
func attrText(av types.AttributeValue) string {
	switch x := av.(type) {
	case *types.AttributeValueMemberN:
		return "N:" + x.Value
	case *types.AttributeValueMemberS:
		return "S:" + x.Value
	case *types.AttributeValueMemberB:
		return fmt.Sprintf("B:%d bytes", len(x.Value))
	case *types.AttributeValueMemberL:
		s := "L:["
		for i, e := range x.Value {
			if i > 0 {
				s += " "
			}
			s += attrText(e)
		}
		return s + "]"
	case *types.AttributeValueMemberM:
		return fmt.Sprintf("M:{value:%s count:%s error:%s}", attrText(x.Value["value"]), attrText(x.Value["count"]), attrText(x.Value["error"]))
	}
	return fmt.Sprintf("%T", av)
}
