using System.Text.Json.Nodes;

namespace Aggregator.Deployment.Tests;

/// <summary>
/// The part of kustomize these manifests use, resolved in the test: <c>resources</c> (files and directories),
/// <c>components</c>, <c>namespace</c>, strategic-merge <c>patches</c>, <c>images</c> and <c>configMapGenerator</c>
/// (without name hashes). Any other field of a kustomization stops the build with <see cref="NotSupportedException"/>,
/// so that a manifest this reading cannot follow fails the tests instead of being checked half-way. Where kubectl is
/// installed, <see cref="KustomizeTests"/> compares this reading with <c>kubectl kustomize</c> object by object.
/// </summary>
internal static class Kustomize
{
    private static readonly string[] FileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    private static readonly HashSet<string> Fields =
        ["apiVersion", "kind", "resources", "components", "namespace", "patches", "images", "configMapGenerator"];

    private static readonly HashSet<string> ClusterScopedKinds =
    [
        "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass",
        "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "IngressClass",
        "RuntimeClass", "CSIDriver", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    ];

    /// <summary>Strategic merge keys of the lists these manifests patch; other lists are replaced by the patch.</summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["ports"] = "containerPort",
        ["imagePullSecrets"] = "name",
    };

    /// <summary>Every directory under <c>k8s/</c> holding a kustomization (not a component), repository-relative.</summary>
    public static IReadOnlyList<string> Kustomizations() =>
        [.. Directory.EnumerateFiles(Repository.PathOf("k8s"), "*", SearchOption.AllDirectories)
            .Where(f => FileNames.Contains(Path.GetFileName(f)))
            .Select(f => Path.GetDirectoryName(f)!)
            .Where(d => (KindOf(d) ?? "Kustomization") == "Kustomization")
            .Select(Repository.Relative)
            .Order(StringComparer.Ordinal)];

    /// <summary>The objects a kustomization renders, as <c>kubectl kustomize</c> would.</summary>
    public static IReadOnlyList<JsonObject> Build(string relativeDirectory) =>
        Build(Repository.PathOf(relativeDirectory), accumulated: null, asComponent: false);

    /// <summary>The kustomization directories a kustomization reads, itself included, repository-relative.</summary>
    public static IReadOnlySet<string> DirectoriesOf(string relativeDirectory)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Visit(Repository.PathOf(relativeDirectory));
        return seen;

        void Visit(string directory)
        {
            if (!seen.Add(Repository.Relative(directory)))
            {
                return;
            }

            var kustomization = Load(directory);
            foreach (var entry in kustomization.Strings("resources").Concat(kustomization.Strings("components")))
            {
                var path = Path.GetFullPath(Path.Combine(directory, entry));
                if (Directory.Exists(path))
                {
                    Visit(path);
                }
            }
        }
    }

    /// <summary>A readable identity of an object: kind/namespace/name.</summary>
    public static string IdOf(JsonObject o) =>
        $"{o.Text("kind")}/{o.Text("metadata/namespace") ?? "~"}/{o.Text("metadata/name")}";

    private static string? KindOf(string directory) => Load(directory).Text("kind");

    private static JsonObject Load(string directory)
    {
        var file = FileNames.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{Repository.Relative(directory)}: no kustomization.yaml");
        return Yaml.LoadObject(file);
    }

    private static List<JsonObject> Build(string directory, List<JsonObject>? accumulated, bool asComponent)
    {
        var kustomization = Load(directory);
        var where = Repository.Relative(directory);
        var kind = kustomization.Text("kind") ?? "Kustomization";
        if (kind != (asComponent ? "Component" : "Kustomization"))
        {
            throw new InvalidDataException($"{where}: a {kind} where a {(asComponent ? "Component" : "Kustomization")} was expected");
        }

        foreach (var (field, _) in kustomization)
        {
            if (!Fields.Contains(field))
            {
                throw new NotSupportedException($"{where}: the test's kustomize reading does not support '{field}'");
            }
        }

        var objects = accumulated ?? [];
        foreach (var resource in kustomization.Strings("resources"))
        {
            var path = Path.GetFullPath(Path.Combine(directory, resource));
            if (Directory.Exists(path))
            {
                objects.AddRange(Build(path, accumulated: null, asComponent: false));
            }
            else if (File.Exists(path))
            {
                objects.AddRange(LoadObjects(path));
            }
            else
            {
                throw new FileNotFoundException($"{where}: resource '{resource}' does not exist");
            }
        }

        foreach (var component in kustomization.Strings("components"))
        {
            var path = Path.GetFullPath(Path.Combine(directory, component));
            objects = Build(path, objects, asComponent: true);
        }

        foreach (var generator in kustomization.Items("configMapGenerator"))
        {
            objects.Add(GenerateConfigMap(generator as JsonObject ?? throw new InvalidDataException($"{where}: a configMapGenerator entry is not a mapping"), directory));
        }

        if (kustomization.Text("namespace") is { } ns)
        {
            SetNamespace(objects, ns);
        }

        foreach (var patch in kustomization.Items("patches"))
        {
            ApplyPatch(objects, patch as JsonObject ?? throw new InvalidDataException($"{where}: a patch is not a mapping"), directory);
        }

        foreach (var image in kustomization.Items("images"))
        {
            SetImage(objects, image as JsonObject ?? throw new InvalidDataException($"{where}: an images entry is not a mapping"));
        }

        var duplicate = objects.GroupBy(IdOf).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"{where}: {duplicate.Key} is defined {duplicate.Count()} times");
        }

        return objects;
    }

    private static IEnumerable<JsonObject> LoadObjects(string file)
    {
        foreach (var document in Yaml.LoadFile(file))
        {
            var o = document as JsonObject ?? throw new InvalidDataException($"{Repository.Relative(file)}: a document is not a mapping");
            if (o.Text("kind") is null || o.Text("apiVersion") is null || o.Text("metadata/name") is null)
            {
                throw new InvalidDataException($"{Repository.Relative(file)}: an object without apiVersion, kind or metadata.name");
            }

            if (o.Text("kind") == "List")
            {
                throw new NotSupportedException($"{Repository.Relative(file)}: kind List is not supported by the test's kustomize reading");
            }

            yield return o;
        }
    }

    private static JsonObject GenerateConfigMap(JsonObject generator, string directory)
    {
        var where = Repository.Relative(directory);
        foreach (var (field, _) in generator)
        {
            if (field is not ("name" or "files" or "literals" or "options"))
            {
                throw new NotSupportedException($"{where}: configMapGenerator field '{field}' is not supported by the test's kustomize reading");
            }
        }

        var name = generator.Text("name") ?? throw new InvalidDataException($"{where}: a configMapGenerator without a name");
        if (generator.Text("options/disableNameSuffixHash") != "true")
        {
            throw new NotSupportedException($"{where}: configMap '{name}' has a name hash, which the test's kustomize reading does not compute");
        }

        var data = new JsonObject();
        foreach (var file in generator.Strings("files"))
        {
            var (key, path) = file.Split('=', 2) is [var k, var p] ? (k, p) : (Path.GetFileName(file), file);
            data.Add(key, File.ReadAllText(Path.GetFullPath(Path.Combine(directory, path))));
        }

        foreach (var literal in generator.Strings("literals"))
        {
            var (key, value) = literal.Split('=', 2) is [var k, var v] ? (k, v) : throw new InvalidDataException($"{where}: literal '{literal}' has no '='");
            data.Add(key, value);
        }

        var metadata = new JsonObject { ["name"] = name };
        foreach (var part in new[] { "annotations", "labels" })
        {
            if (generator.At($"options/{part}") is JsonObject values)
            {
                metadata[part] = values.DeepClone();
            }
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = metadata, ["data"] = data };
    }

    private static void SetNamespace(List<JsonObject> objects, string ns)
    {
        foreach (var o in objects)
        {
            var kind = o.Text("kind")!;
            if (!ClusterScopedKinds.Contains(kind))
            {
                ((JsonObject)o["metadata"]!)["namespace"] = ns;
            }

            // As kustomize does by default: ServiceAccount subjects without a namespace, or in "default", follow.
            if (kind is "RoleBinding" or "ClusterRoleBinding")
            {
                foreach (var subject in o.Items("subjects").OfType<JsonObject>())
                {
                    if (subject.Text("kind") == "ServiceAccount" && subject.Text("namespace") is null or "default")
                    {
                        subject["namespace"] = ns;
                    }
                }
            }
        }
    }

    private static void ApplyPatch(List<JsonObject> objects, JsonObject patch, string directory)
    {
        var where = Repository.Relative(directory);
        foreach (var (field, _) in patch)
        {
            if (field is not ("path" or "patch"))
            {
                throw new NotSupportedException($"{where}: patch field '{field}' (targets, options) is not supported by the test's kustomize reading");
            }
        }

        var documents = patch.Text("path") is { } path
            ? Yaml.LoadFile(Path.GetFullPath(Path.Combine(directory, path)))
            : Yaml.LoadAll(patch.Text("patch") ?? throw new InvalidDataException($"{where}: a patch with neither path nor patch"), where);
        foreach (var document in documents)
        {
            if (document is not JsonObject smp)
            {
                throw new NotSupportedException($"{where}: JSON 6902 patches are not supported by the test's kustomize reading");
            }

            var kind = smp.Text("kind");
            var name = smp.Text("metadata/name");
            var ns = smp.Text("metadata/namespace");
            var targets = objects.Where(o => o.Text("kind") == kind && o.Text("metadata/name") == name && (ns is null || o.Text("metadata/namespace") == ns)).ToList();
            if (targets.Count == 0)
            {
                throw new InvalidDataException($"{where}: the patch of {kind} {name} matches no object");
            }

            foreach (var target in targets)
            {
                var merged = (JsonObject)Merge(target, smp, field: null)!;
                objects[objects.IndexOf(target)] = merged;
            }
        }
    }

    /// <summary>A strategic merge: maps merge, the lists of <see cref="MergeKeys"/> merge by key (patch items first, as kustomize orders them), other values are replaced, null deletes.</summary>
    private static JsonNode? Merge(JsonNode? target, JsonNode? patch, string? field)
    {
        switch (target, patch)
        {
            case (JsonObject t, JsonObject p):
                var result = (JsonObject)t.DeepClone();
                foreach (var (key, value) in p)
                {
                    if (key.StartsWith('$'))
                    {
                        throw new NotSupportedException($"strategic merge directive '{key}' is not supported by the test's kustomize reading");
                    }

                    if (value is null)
                    {
                        result.Remove(key);
                    }
                    else
                    {
                        result[key] = Merge(result.TryGetPropertyValue(key, out var existing) ? existing : null, value, key);
                    }
                }

                return result;
            case (JsonArray t, JsonArray p) when field is not null && MergeKeys.TryGetValue(field, out var mergeKey):
                string KeyOf(JsonNode? item) => item.Text(mergeKey) ?? throw new InvalidDataException($"an item of '{field}' has no '{mergeKey}'");
                var merged = new JsonArray();
                var patched = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in p)
                {
                    var key = KeyOf(item);
                    patched.Add(key);
                    var original = t.FirstOrDefault(o => KeyOf(o) == key);
                    merged.Add(original is null ? item?.DeepClone() : Merge(original, item, field: null));
                }

                foreach (var item in t.Where(o => !patched.Contains(KeyOf(o))))
                {
                    merged.Add(item?.DeepClone());
                }

                return merged;
            default:
                return patch?.DeepClone();
        }
    }

    private static void SetImage(List<JsonObject> objects, JsonObject image)
    {
        foreach (var (field, _) in image)
        {
            if (field is not ("name" or "newName" or "newTag" or "digest"))
            {
                throw new NotSupportedException($"images field '{field}' is not supported by the test's kustomize reading");
            }
        }

        var name = image.Text("name");
        foreach (var o in objects)
        {
            foreach (var list in new[] { "containers", "initContainers" })
            {
                foreach (var container in o.Items($"spec/template/spec/{list}").OfType<JsonObject>())
                {
                    var (imageName, tag, digest) = ParseImage(container.Text("image") ?? "");
                    if (imageName != name)
                    {
                        continue;
                    }

                    var newName = image.Text("newName") ?? imageName;
                    container["image"] = image.Text("digest") is { } newDigest ? $"{newName}@{newDigest}"
                        : image.Text("newTag") is { } newTag ? $"{newName}:{newTag}"
                        : digest is not null ? $"{newName}@{digest}"
                        : tag is not null ? $"{newName}:{tag}" : newName;
                }
            }
        }
    }

    private static (string Name, string? Tag, string? Digest) ParseImage(string image)
    {
        string? digest = null;
        if (image.IndexOf('@', StringComparison.Ordinal) is var at and >= 0)
        {
            digest = image[(at + 1)..];
            image = image[..at];
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..], digest) : (image, null, digest);
    }
}
