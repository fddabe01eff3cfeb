//! Every AWS operation the auditor calls, by name: what `aws/` records (calls counted, failed
//! reads, notifications) and what `analysis/` looks failed reads up by. One typed list, so a
//! misspelt name cannot turn "the read failed, assume the worst" into "it was read": a name that
//! is not here does not compile. The reviewed allowlist of the read-only test equals [`Operation::ALL`].

use std::fmt;

/// Declares [`Service`] and [`Operation`] from one table: each service with its IAM prefix,
/// then its operations with their API names.
macro_rules! operations {
    ($($service:ident = $prefix:literal { $($operation:ident = $name:literal,)+ })+) => {
        /// An AWS service, by the prefix of its IAM actions (and its SigV4 signing name).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Service {
            $($service,)+
        }

        impl Service {
            /// `ec2`, `apigatewayv2`, `elasticloadbalancing`, …
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Service::$service => $prefix,)+
                }
            }
        }

        /// One AWS operation the auditor calls.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operation {
            $($($operation,)+)+
        }

        impl Operation {
            /// Every operation the auditor calls, by service.
            pub const ALL: &'static [Operation] = &[$($(Operation::$operation,)+)+];

            /// `service:Operation`, as IAM names the action (`apigateway:GetStages`): the
            /// string snapshots and reports carry.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($(Operation::$operation => concat!($prefix, ":", $name),)+)+
                }
            }

            pub fn service(self) -> Service {
                match self {
                    $($(Operation::$operation => Service::$service,)+)+
                }
            }
        }
    };
}

operations! {
    Sts = "sts" {
        StsAssumeRole = "AssumeRole",
        StsGetCallerIdentity = "GetCallerIdentity",
    }
    Organizations = "organizations" {
        OrganizationsListAccounts = "ListAccounts",
    }
    ApiGateway = "apigateway" {
        ApiGatewayGetRestApis = "GetRestApis",
        ApiGatewayGetResources = "GetResources",
        ApiGatewayGetStages = "GetStages",
        ApiGatewayGetAuthorizers = "GetAuthorizers",
        ApiGatewayGetVpcLinks = "GetVpcLinks",
        ApiGatewayGetDomainNames = "GetDomainNames",
        ApiGatewayGetBasePathMappings = "GetBasePathMappings",
        ApiGatewayGetDeployment = "GetDeployment",
    }
    ApiGatewayV2 = "apigatewayv2" {
        ApiGatewayV2GetApis = "GetApis",
        ApiGatewayV2GetRoutes = "GetRoutes",
        ApiGatewayV2GetStages = "GetStages",
        ApiGatewayV2GetDomainNames = "GetDomainNames",
        ApiGatewayV2GetApiMappings = "GetApiMappings",
        ApiGatewayV2GetIntegrations = "GetIntegrations",
        ApiGatewayV2GetVpcLinks = "GetVpcLinks",
    }
    Ec2 = "ec2" {
        Ec2DescribeRegions = "DescribeRegions",
        Ec2DescribeVpcs = "DescribeVpcs",
        Ec2DescribeSubnets = "DescribeSubnets",
        Ec2DescribeRouteTables = "DescribeRouteTables",
        Ec2DescribeSecurityGroups = "DescribeSecurityGroups",
        Ec2DescribeInstances = "DescribeInstances",
        Ec2DescribeVpcEndpoints = "DescribeVpcEndpoints",
        Ec2DescribeVpcPeeringConnections = "DescribeVpcPeeringConnections",
        Ec2DescribeVpcEndpointServiceConfigurations = "DescribeVpcEndpointServiceConfigurations",
        Ec2DescribeVpcEndpointServicePermissions = "DescribeVpcEndpointServicePermissions",
        Ec2DescribeVpcEndpointConnections = "DescribeVpcEndpointConnections",
        Ec2DescribeNetworkInterfaces = "DescribeNetworkInterfaces",
        Ec2DescribeManagedPrefixLists = "DescribeManagedPrefixLists",
        Ec2GetManagedPrefixListEntries = "GetManagedPrefixListEntries",
        Ec2DescribeTransitGatewayAttachments = "DescribeTransitGatewayAttachments",
        Ec2DescribeTransitGatewayRouteTables = "DescribeTransitGatewayRouteTables",
        Ec2GetTransitGatewayRouteTablePropagations = "GetTransitGatewayRouteTablePropagations",
        Ec2SearchTransitGatewayRoutes = "SearchTransitGatewayRoutes",
    }
    ElasticLoadBalancing = "elasticloadbalancing" {
        ElbDescribeLoadBalancers = "DescribeLoadBalancers",
        ElbDescribeTargetGroups = "DescribeTargetGroups",
        ElbDescribeTargetHealth = "DescribeTargetHealth",
        ElbDescribeListeners = "DescribeListeners",
        ElbDescribeTargetGroupAttributes = "DescribeTargetGroupAttributes",
    }
    Wafv2 = "wafv2" {
        Wafv2GetWebAclForResource = "GetWebACLForResource",
    }
    Iam = "iam" {
        IamGetAccountAuthorizationDetails = "GetAccountAuthorizationDetails",
    }
    VpcLattice = "vpc-lattice" {
        LatticeListServices = "ListServices",
        LatticeListServiceNetworks = "ListServiceNetworks",
        LatticeGetService = "GetService",
        LatticeGetServiceNetwork = "GetServiceNetwork",
        LatticeListServiceNetworkServiceAssociations = "ListServiceNetworkServiceAssociations",
        LatticeListServiceNetworkVpcAssociations = "ListServiceNetworkVpcAssociations",
        LatticeGetAuthPolicy = "GetAuthPolicy",
        LatticeGetResourcePolicy = "GetResourcePolicy",
        LatticeListTargetGroups = "ListTargetGroups",
        LatticeListTargets = "ListTargets",
    }
    ServiceDiscovery = "servicediscovery" {
        ServiceDiscoveryListInstances = "ListInstances",
    }
}

impl Operation {
    /// The operation a recorded `service:Operation` names; `None` for a name that is not one
    /// of ours (the auditor's own steps, or a snapshot written by another version).
    pub fn parse(name: &str) -> Option<Operation> {
        Operation::ALL
            .iter()
            .copied()
            .find(|op| op.as_str() == name)
    }
}

impl From<Operation> for String {
    fn from(op: Operation) -> String {
        op.as_str().to_string()
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not an AWS call: the auditor's own scan of one target, named in the error of a target whose
/// scan stopped on an internal error.
pub const SCAN_TARGET_STEP: &str = "overexposed:ScanTarget";

#[cfg(test)]
mod tests;
