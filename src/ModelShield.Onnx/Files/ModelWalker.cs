using ModelShield.Onnx.Schema;

namespace ModelShield.Onnx.Files;

/// <summary>Visits every graph and tensor of a model, subgraphs in attributes included.</summary>
internal static class ModelWalker
{
    public static IEnumerable<GraphProto> Graphs(ModelProto model)
    {
        var roots = new List<GraphProto>();
        if (model.Graph is not null)
        {
            roots.Add(model.Graph);
        }

        foreach (var info in model.TrainingInfo)
        {
            if (info.Initialization is not null)
            {
                roots.Add(info.Initialization);
            }

            if (info.Algorithm is not null)
            {
                roots.Add(info.Algorithm);
            }
        }

        var stack = new Stack<GraphProto>(roots);
        while (stack.Count > 0)
        {
            var graph = stack.Pop();
            yield return graph;
            foreach (var sub in graph.Node.SelectMany(n => n.Attribute).SelectMany(SubGraphs))
            {
                stack.Push(sub);
            }
        }
    }

    public static IEnumerable<TensorProto> Tensors(ModelProto model)
    {
        foreach (var graph in Graphs(model))
        {
            foreach (var t in graph.Initializer)
            {
                yield return t;
            }

            foreach (var sparse in graph.SparseInitializer)
            {
                foreach (var t in SparseParts(sparse))
                {
                    yield return t;
                }
            }

            foreach (var t in graph.Node.SelectMany(n => n.Attribute).SelectMany(AttributeTensors))
            {
                yield return t;
            }
        }

        foreach (var t in model.Functions.SelectMany(f => f.Node).SelectMany(n => n.Attribute).SelectMany(AttributeTensors))
        {
            yield return t;
        }
    }

    private static IEnumerable<GraphProto> SubGraphs(AttributeProto attribute)
    {
        if (attribute.G is not null)
        {
            yield return attribute.G;
        }

        foreach (var g in attribute.Graphs)
        {
            yield return g;
        }
    }

    private static IEnumerable<TensorProto> AttributeTensors(AttributeProto attribute)
    {
        if (attribute.T is not null)
        {
            yield return attribute.T;
        }

        foreach (var t in attribute.Tensors)
        {
            yield return t;
        }

        if (attribute.SparseTensor is not null)
        {
            foreach (var t in SparseParts(attribute.SparseTensor))
            {
                yield return t;
            }
        }

        foreach (var t in attribute.SparseTensors.SelectMany(SparseParts))
        {
            yield return t;
        }
    }

    private static IEnumerable<TensorProto> SparseParts(SparseTensorProto sparse)
    {
        if (sparse.Values is not null)
        {
            yield return sparse.Values;
        }

        if (sparse.Indices is not null)
        {
            yield return sparse.Indices;
        }
    }
}
